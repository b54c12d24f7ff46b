from titles import title_case

got = title_case("the lord OF the rings")
assert got == "The Lord of the Rings", f"title_case returned {got!r}"
assert title_case("a tale") == "A Tale"
print("ok")
