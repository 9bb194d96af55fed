"""mock_server: the reference Character Library server (independent of the SDK)."""
