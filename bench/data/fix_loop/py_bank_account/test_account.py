from account import Account

acct = Account("ada", 100)
acct.withdraw(30)
assert acct.balance == 70, acct.balance
try:
    acct.withdraw(500)
except ValueError:
    pass
else:
    raise AssertionError("withdrawing more than the balance must raise ValueError")
assert acct.balance == 70
print("ok")
