"""Attachments: photos and PDFs an OPD uploads before referring to them in a report."""
