from inventory import Inventory

shop = Inventory()
shop.add("pen", 3)
assert shop.remove("pen", 5) == 3
left = shop.stock("pen")
assert left == 0, f"stock after removing more than there was: {left}"
print("ok")
