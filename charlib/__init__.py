"""charlib: the Python SDK for the Character Library API."""

from charlib._version import __version__

__all__ = ["__version__"]
