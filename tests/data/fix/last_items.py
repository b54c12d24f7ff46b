def pairs(items):
    """Each item with the one after it: [1, 2, 3] -> [(1, 2), (2, 3)]."""
    result = []
    for i in range(len(items)):
        result.append((items[i], items[i + 1]))
    return result


assert pairs([1, 2, 3]) == [(1, 2), (2, 3)]
assert pairs([]) == []
print("ok")
