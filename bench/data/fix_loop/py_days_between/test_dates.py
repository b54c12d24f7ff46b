from datetime import date

from dates import days_between, nights

assert days_between(date(2024, 1, 1), date(2024, 1, 4)) == 3
got = days_between(date(2024, 3, 10), date(2024, 3, 1))
assert got == 9, f"days_between(March 10, March 1) returned {got}"
assert nights(date(2024, 5, 1), date(2024, 5, 2)) == 1
print("ok")
