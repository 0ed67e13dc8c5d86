"""Vigil: an open-source monitor of war and repression."""

__version__ = "0.1.0"
