"""Serial scans from label photos: decode, pick the serial, keep the photo as evidence, flag reuse."""
