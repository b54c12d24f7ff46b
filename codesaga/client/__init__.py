"""Talking to the daemon: what the CLI, the chat REPL, the TUI and the git hook share.

It speaks the sans-I/O protocol module the daemon speaks, and imports nothing of the daemon.
"""
