"""Placeholder: entries arrive in a following commit."""
