"""Commands from the master, one module per command, listed in COMMANDS."""
