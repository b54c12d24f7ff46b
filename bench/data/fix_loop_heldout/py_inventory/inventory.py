"""Stock levels of a small shop."""


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
        """Take ``count`` away; never below zero. Returns how many were taken."""
        have = self.items.get(name, 0)
        taken = min(have, count)
        self.items[name] = have - count
        return taken

    def stock(self, name):
        return self.items.get(name, 0)
