# A small inventory report, written in a hurry. Try: codesaga refactor examples/inventory.py


def report(items):
    total = 0
    lines = []
    for i in range(len(items)):
        item = items[i]
        if item["qty"] > 0:
            if item["price"] > 0:
                value = item["qty"] * item["price"]
                total = total + value
                lines.append(
                    item["name"]
                    + ": "
                    + str(item["qty"])
                    + " x "
                    + str(item["price"])
                    + " = "
                    + str(value)
                )
            else:
                lines.append(item["name"] + ": no price")
        else:
            lines.append(item["name"] + ": out of stock")
    lines.append("total: " + str(total))
    return "\n".join(lines)


def low_stock(items, limit):
    result = []
    for i in range(len(items)):
        if items[i]["qty"] < limit:
            if items[i]["qty"] > 0:
                result.append(items[i]["name"])
    return result


if __name__ == "__main__":
    stock = [
        {"name": "bolt", "qty": 120, "price": 0.25},
        {"name": "nut", "qty": 0, "price": 0.1},
        {"name": "washer", "qty": 8, "price": 0.05},
        {"name": "gear", "qty": 3, "price": 0},
    ]
    print(report(stock))
    print("low stock:", ", ".join(low_stock(stock, 10)))
