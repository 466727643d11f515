"""③ -> ④ The journal outbox: bounded, sequence-numbered spool of records until acknowledged."""
