"""People: the user model (citizens log in by IIN, staff by username),
roles, applicant records, IIN/BIN validation."""
