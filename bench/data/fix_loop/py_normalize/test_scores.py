from scores import normalize, top_fraction

assert normalize([50, 75, 100]) == [0.0, 0.5, 1.0], normalize([50, 75, 100])
assert normalize([3, 3]) == [0.0, 0.0]
assert top_fraction([10, 90, 100, 20]) == 0.5
print("ok")
