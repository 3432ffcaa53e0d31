"""Service requests and the jobs dispatched from them."""
