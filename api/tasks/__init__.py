"""Task queue resource: list, read, claim, unclaim, complete, raise immediate danger."""
