from invoice import invoice_total

assert invoice_total([(10.0, 2)]) == 24.0
total = invoice_total([(10.0, 1), (5.0, 2)], discount=10)
assert total == 21.6, f"invoice_total with a 10% discount returned {total}"
print("ok")
