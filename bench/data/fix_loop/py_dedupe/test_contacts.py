from contacts import dedupe

# eight addresses: a set gives them back in their first order once in 40,320 runs
emails = [
    "h@x.org", "A@x.org", "h@x.org ", "c@x.org", "a@x.org",
    "g@x.org", "b@x.org", "f@x.org", "e@x.org", "D@x.org", "d@x.org",
]
got = dedupe(emails)
want = ["h@x.org", "a@x.org", "c@x.org", "g@x.org", "b@x.org", "f@x.org", "e@x.org", "d@x.org"]
assert got == want, f"dedupe returned {got}"
print("ok")
