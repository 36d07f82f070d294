"""Pages of the consumption vouchers."""
