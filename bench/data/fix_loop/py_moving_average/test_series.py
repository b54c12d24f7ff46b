from series import moving_average

got = moving_average([1, 2, 3, 4, 5], 2)
assert got == [1.5, 2.5, 3.5, 4.5], f"moving_average([1, 2, 3, 4, 5], 2) returned {got}"
got = moving_average([10, 20, 30], 3)
assert got == [20.0], f"moving_average([10, 20, 30], 3) returned {got}"
assert moving_average([], 2) == []
print("ok")
