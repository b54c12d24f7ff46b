from nested import flatten

assert flatten([1, 2, 3]) == [1, 2, 3]
got = flatten([1, [2, [3, 4]], 5])
assert got == [1, 2, 3, 4, 5], f"flatten([1, [2, [3, 4]], 5]) returned {got}"
assert flatten([[], [[]]]) == []
print("ok")
