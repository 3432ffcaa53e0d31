"""Spare parts: the catalogue, warehouses and the stock ledger."""
