from cart import cart_total, with_tax

prices = {"apple": 0.5, "bread": 2.25, "milk": 1.1}
got = cart_total(prices, {"apple": 4, "bread": 1})
assert got == 4.25, f"cart_total returned {got}, expected 4.25"
assert cart_total(prices, {}) == 0.0
assert with_tax(10.0) == 12.0
print("ok")
