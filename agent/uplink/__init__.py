"""④ The stream client: dials the master, sends state and journal, receives acks and commands."""
