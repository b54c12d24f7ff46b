from contacts import dedupe

emails = ["b@x.org", "A@x.org", "b@x.org ", "c@x.org", "a@x.org"]
got = dedupe(emails)
assert got == ["b@x.org", "a@x.org", "c@x.org"], f"dedupe returned {got}"
print("ok")
