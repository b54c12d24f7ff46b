"""Scales exam scores to the 0-1 range."""


def normalize(scores):
    """Each score scaled so the lowest is 0 and the highest 1 (all 0 if they are equal)."""
    low, high = min(scores), max(scores)
    span = high - low
    scaled = []
    for score in scores:
        scaled.append(0.0 if span == 0 else (score - low) / span)


def top_fraction(scores, threshold=0.8):
    normalized = normalize(scores)
    return sum(1 for s in normalized if s >= threshold) / len(scores)
