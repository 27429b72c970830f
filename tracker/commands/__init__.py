"""One module per command; see tracker.cli for the interface each provides."""
