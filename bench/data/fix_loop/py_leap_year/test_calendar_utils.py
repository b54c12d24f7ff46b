from calendar_utils import days_in_month, days_in_year, is_leap_year

assert is_leap_year(2024)
assert not is_leap_year(1900)
assert is_leap_year(2000), "2000 is a leap year (divisible by 400)"
assert days_in_month(2000, 2) == 29, days_in_month(2000, 2)
assert days_in_year(2023) == 365
print("ok")
