"""Invoice totals."""

TAX_RATE = 0.2


def _discounted(price, discount):
    """The price after a discount given in percent."""
    return price * (1 - discount / 10)


def invoice_total(lines, discount=0):
    """The total of (price, quantity) lines after the discount, with tax."""
    subtotal = sum(_discounted(price, discount) * quantity for price, quantity in lines)
    return round(subtotal * (1 + TAX_RATE), 2)
