"""Vigil: an open-source monitor of war and repression."""

# The one place the version is declared: pyproject.toml reads it (dynamic = ["version"]),
# `vigil --version` prints it, CHANGELOG.md has a section for it. Import nothing here:
# `import vigil` must stay instant (tests/test_packaging.py).
__version__ = "0.1.0"
