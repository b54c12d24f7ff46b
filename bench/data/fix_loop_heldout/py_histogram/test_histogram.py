from histogram import bucket_counts

assert bucket_counts([], 5) == []
assert bucket_counts([1, 2, 7], 5) == [2, 1]
assert bucket_counts([0, 10], 5) == [1, 0, 1]
print("ok")
