"""The pieces of the ``charlib`` command (the entry point is :func:`charlib.cli.main`).

``context`` (exit codes, options, output streams), ``render`` (tables, JSON), ``follow`` (waiting
with a progress display and Ctrl-C handling), ``commands`` (one function per command), ``demo``,
``parser`` (the argparse tree). Nothing here is imported by ``import charlib``.
"""
