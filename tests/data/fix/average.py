def average(values):
    return sum(values) / len(values)


assert average([2, 4, 6]) == 4
assert average([]) == 0.0  # an empty list averages to 0.0
print("ok")
