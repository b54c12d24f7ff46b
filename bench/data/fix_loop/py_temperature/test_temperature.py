from temperature import celsius_to_fahrenheit, describe, fahrenheit_to_celsius

assert fahrenheit_to_celsius(212) == 100, fahrenheit_to_celsius(212)
assert fahrenheit_to_celsius(32) == 0, fahrenheit_to_celsius(32)
assert celsius_to_fahrenheit(100) == 212
assert describe(50) == "cold", describe(50)
assert describe(95) == "hot", describe(95)
print("ok")
