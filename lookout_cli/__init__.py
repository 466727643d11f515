"""The umbrella `lookout` command: subcommands for offline tools and the three processes."""
