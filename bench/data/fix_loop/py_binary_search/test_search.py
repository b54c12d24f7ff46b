from search import index_of

items = [1, 3, 5, 7, 9, 11]
assert index_of(items, 7) == 3
assert index_of(items, 1) == 0
assert index_of(items, 11) == 5
assert index_of(items, 12) == -1
assert index_of([], 4) == -1
print("ok")
