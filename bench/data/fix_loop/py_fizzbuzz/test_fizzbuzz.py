from fizzbuzz import label, sequence

assert label(3) == "Fizz"
assert label(10) == "Buzz"
assert label(30) == "FizzBuzz", f"label(30) returned {label(30)!r}"
assert sequence(15)[-1] == "FizzBuzz"
print("ok")
