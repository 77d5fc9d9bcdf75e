"""Checkpoint files: reading the original format, strict state-dict loading, sources and conversion."""
