"""The use cases (generate, refactor, fix, complete) over the engine port."""
