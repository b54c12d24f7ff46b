from roman import to_roman


def test_roman():
    assert to_roman(4) == "IV"
    assert to_roman(1994) == "MCMXCIV"
    assert to_roman(3) == "III"


test_roman()
print("ok")
