"""② Watchers, one module per Kubernetes kind, registered in SOURCES."""
