from batching import chunks

got = chunks([1, 2, 3, 4, 5], 2)
assert got == [[1, 2], [3, 4], [5]], f"chunks([1, 2, 3, 4, 5], 2) returned {got}"
assert chunks([1], 3) == [[1]], chunks([1], 3)
assert chunks([], 2) == []
print("ok")
