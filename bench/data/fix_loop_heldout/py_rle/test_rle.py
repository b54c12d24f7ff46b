from rle import decode, encode

assert encode("") == []
assert encode("aaab") == [("a", 3), ("b", 1)]
assert decode(encode("hello")) == "hello"
print("ok")
