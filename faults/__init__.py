"""Fault drills against the prod-local topology: `make faults` (docs/faults.md)."""
