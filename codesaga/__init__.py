"""CodeSaga: an offline-first AI coding assistant around a warm local code model."""

__version__ = "0.1.0"
