"""The benchmark: ``python -m deskterm.bench`` (see README, "Fast at any size")."""
