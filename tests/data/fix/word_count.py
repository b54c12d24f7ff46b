def word_count(text):
    counts = {}
    for word in text.lower().split():
        counts[word] += 1
    return counts


assert word_count("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}
print("ok")
