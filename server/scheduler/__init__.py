"""Recurring work outside web requests: one acting scheduler, every run recorded."""
