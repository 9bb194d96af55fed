"""mock_server: the reference Character Library server (an independent implementation of the contract)."""
