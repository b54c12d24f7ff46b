"""Pure types and rules. Nothing here does I/O or imports llama, asyncio or our adapters."""
