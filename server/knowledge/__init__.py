"""The knowledge base: FAQ and product-defect entries, and the fault codes jobs and claims use."""
