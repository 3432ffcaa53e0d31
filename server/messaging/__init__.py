"""Messages to customers (the completion code, care reminders…) through a gateway: an outbox, then a backend."""
