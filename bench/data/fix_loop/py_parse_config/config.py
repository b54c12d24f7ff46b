"""Reads simple KEY=VALUE configuration files."""


def parse_config(text):
    """Settings from `text`; blank lines, comments (#) and lines without '=' are skipped."""
    settings = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, value = line.split("=", 1)
        settings[key.strip()] = value.strip()
    return settings
