"""Writes to moderation records, by concern: pipeline (classify, decide, reply, end), policies,
reviews and the audit log."""
