from ratios import ratios, safe_ratio

assert safe_ratio(1, 4) == 0.25
assert safe_ratio(3, 0) is None
assert ratios([(1, 2), (5, 0)]) == [0.5, None]
print("ok")
