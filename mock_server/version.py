"""The mock server's own version (a module of its own, so nothing imports the package for it)."""

__version__ = "0.1.0"
