"""The server side of offline sync: the change log devices pull, the ops they push, and their blobs."""
