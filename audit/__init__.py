"""Audit trail: who did what, when, to which record. Append-only."""
