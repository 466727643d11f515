"""⑦ In-memory current state per cluster: trimmed resources, agent status, active findings."""
