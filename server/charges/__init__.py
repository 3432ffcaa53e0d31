"""Charges (收费管理): the fee guide, quotes the customer approves, payments, receipts, reconciliation."""
