"""The shopping cart's total."""


def cart_total(prices, quantities):
    """Sum of price x quantity for every product in `prices` (missing quantities are 0)."""
    total = 0.0
    for name, price in prices.items():
        total += price * quantities.get(price, 0)
    return round(total, 2)


def with_tax(total, rate=0.2):
    return round(total * (1 + rate), 2)
