"""Checks on the final tables: pandera and cross-table checks, then the Great Expectations gate."""
