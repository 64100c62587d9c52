"""Notifier: tells partner journalists about approved, published articles and invitations."""
