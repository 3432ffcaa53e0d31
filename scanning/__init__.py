"""Barcode decoding from label photos, serial rules and photo fingerprints (no Flask imports)."""

from scanning.decode import Barcode
from scanning.decode import ImageRejected
from scanning.decode import decode
from scanning.decode import open_image

__all__ = ["Barcode", "ImageRejected", "decode", "open_image"]
