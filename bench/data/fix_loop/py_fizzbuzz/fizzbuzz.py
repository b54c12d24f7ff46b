"""The classic, for the interview kata."""


def label(n):
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    if n % 15 == 0:
        return "FizzBuzz"
    return str(n)


def sequence(limit):
    return [label(n) for n in range(1, limit + 1)]
