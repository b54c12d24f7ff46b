from text_checks import is_palindrome

assert is_palindrome("racecar")
assert is_palindrome("A man, a plan, a canal: Panama"), "case and punctuation are ignored"
assert not is_palindrome("hello")
print("ok")
