from stats import mean, median

assert mean([1, 2, 3]) == 2
assert median([5, 1, 3]) == 3
got = median([4, 1, 3, 2])
assert got == 2.5, f"median([4, 1, 3, 2]) returned {got}"
print("ok")
