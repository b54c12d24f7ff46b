"""One module per command or command group; `codesaga.cli.app` assembles them."""
