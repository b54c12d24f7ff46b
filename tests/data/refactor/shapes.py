import math


def area(shape):
    if shape["kind"] == "circle":
        return math.pi * shape["r"] * shape["r"]
    elif shape["kind"] == "square":
        return shape["side"] * shape["side"]
    elif shape["kind"] == "rect":
        return shape["w"] * shape["h"]
    else:
        raise ValueError("unknown shape: " + shape["kind"])


def total_area(shapes):
    t = 0
    for s in shapes:
        t = t + area(s)
    return t


if __name__ == "__main__":
    shapes = [
        {"kind": "circle", "r": 1},
        {"kind": "square", "side": 2},
        {"kind": "rect", "w": 2, "h": 3},
    ]
    print(round(total_area(shapes), 4))
    try:
        area({"kind": "hexagon"})
    except ValueError as e:
        print(e)
