"""Barcode decoding from label photos, serial rules and photo fingerprints (no Flask imports)."""
