def receipt_line(name, quantity, price):
    return name + " x" + quantity + ": " + format(quantity * price, ".2f")


assert receipt_line("tea", 3, 1.5) == "tea x3: 4.50"
print("ok")
