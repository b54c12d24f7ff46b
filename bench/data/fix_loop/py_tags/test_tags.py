from tags import add_tag

first = add_tag("python")
second = add_tag("rust")
assert first == ["python"], f"first call returned {first}"
assert second == ["rust"], f"second call returned {second}"
assert add_tag("a", ["a", "b"]) == ["a", "b"]
print("ok")
