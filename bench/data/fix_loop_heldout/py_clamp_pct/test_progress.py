import unittest

from progress import percent_done


class PercentDoneTest(unittest.TestCase):
    def test_half(self):
        self.assertEqual(percent_done(5, 10), 50)

    def test_all(self):
        self.assertEqual(percent_done(10, 10), 100)

    def test_nothing_to_do(self):
        self.assertEqual(percent_done(0, 0), 100)


if __name__ == "__main__":
    unittest.main()
