"""Reliability trials: what was tried against the database, how often, what was lost.

``python -m deskterm.reliability`` runs them and rewrites RELIABILITY.md. The tests
run the same trials with fewer rounds.
"""
