"""The daemon: one process that keeps models warm and serves every client over JSON-RPC."""
