"""The fault suite: the real services under a mixed load, faults injected, nothing lost."""
