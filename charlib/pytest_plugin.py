"""charlib's pytest plugin (registered through the ``pytest11`` entry point).

It stays light to import: fixtures import the mock server only when a test asks for one.
"""
