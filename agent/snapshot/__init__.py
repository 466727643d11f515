"""② -> ④ The mirror of trimmed objects: full snapshots after (re)connect, then deltas."""
