from words import most_common, word_counts

counts = word_counts("The cat and the hat. The end!")
assert counts["the"] == 3, counts
assert counts["cat"] == 1, counts
assert most_common("b a b c b a", 2) == [("b", 3), ("a", 2)]
print("ok")
