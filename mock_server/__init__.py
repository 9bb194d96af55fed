"""mock_server: the reference Character Library server (independent of the SDK)."""

__version__ = "0.1.0"
