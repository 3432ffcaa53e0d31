"""Warranty claims (三包 claims), their automatic checks, audit and monthly settlement."""
