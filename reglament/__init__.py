"""The law as data: legal acts, reglament versions, procedures and their
time norms, regions and offices with their work calendars, and deadline
arithmetic in working time."""
