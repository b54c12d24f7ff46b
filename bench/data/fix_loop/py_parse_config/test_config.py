from config import parse_config

text = """
# database
host = db.local
port=5432
this line is garbage
name = app
"""
assert parse_config(text) == {"host": "db.local", "port": "5432", "name": "app"}
assert parse_config("") == {}
print("ok")
