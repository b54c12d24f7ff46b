from readings import largest, spread

assert largest([3, 9, 2]) == 9
got = largest([-7, -3, -12])
assert got == -3, f"largest([-7, -3, -12]) returned {got}"
assert spread([-5, -1]) == 4, spread([-5, -1])
print("ok")
