"""The contract suite: every test runs against the real control plane and against kubesim."""
