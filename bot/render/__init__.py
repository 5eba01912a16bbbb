"""Renderers: a CommandResult (or an error) → terminal text, JSON, Discord messages."""

__all__: list[str] = []
