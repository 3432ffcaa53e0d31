"""CSV imports of reference data from the manufacturer's ERP."""
