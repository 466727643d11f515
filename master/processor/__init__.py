"""⑥ Handles what sessions receive: applies state to the DataHub, journal records exactly once."""
