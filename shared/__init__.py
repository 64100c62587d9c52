"""Contracts and plumbing shared by the Warta services; never business rules."""
