"""Ingest: the OPDs' door — API keys, reports, attachments and the OPD's view of their status."""
