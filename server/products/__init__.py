"""Product models and the warranty policies of their categories."""
