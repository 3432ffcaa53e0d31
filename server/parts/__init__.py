"""The parts catalogue, warehouses and the stock ledger."""
