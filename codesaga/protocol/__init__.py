"""What the daemon and its clients agree on, sans I/O: JSON-RPC messages and errors
(``jsonrpc``), each method's params (``params``), and where a running daemon's socket, token
and lock are found (``runtime``). Below both: the client imports nothing of the daemon."""
