"""Adapters to the outside world that are chosen in settings."""
