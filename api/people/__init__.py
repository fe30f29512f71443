"""The people resource: a child or adult across the cases they are in."""
