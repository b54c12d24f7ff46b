from form_input import to_int, total

assert to_int(" 42 ") == 42
assert to_int("abc", default=-1) == -1
assert total(["1", "x", "3"]) == 4
print("ok")
