"""Temperature conversions for the weather report."""


def fahrenheit_to_celsius(f):
    return (f + 32) * 5 / 9


def celsius_to_fahrenheit(c):
    return c * 9 / 5 + 32


def describe(f):
    c = fahrenheit_to_celsius(f)
    if c < 0:
        return "freezing"
    if c < 15:
        return "cold"
    if c < 25:
        return "mild"
    return "hot"
