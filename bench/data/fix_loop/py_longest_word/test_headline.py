from headline import longest_word

assert longest_word("a bb ccc") == "ccc"
got = longest_word("tree fort moss")
assert got == "tree", f"longest_word('tree fort moss') returned {got!r}"
assert longest_word("") == ""
print("ok")
