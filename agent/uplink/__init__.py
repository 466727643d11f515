"""④ The stream client: dials the master, sends snapshot/deltas/journal, receives commands and acks."""
