"""Task queue resource: list, read, claim, unclaim, complete."""
