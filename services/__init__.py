"""The three government services: the catalogue, required documents and
refusal grounds, applications with their state machine, step records and
registration numbers."""
