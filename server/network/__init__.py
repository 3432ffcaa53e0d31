"""The service network: regions and the contracted service providers covering them."""
