"""Sampling: tokens within a window, windows within a level, levels within a song."""
