"""Hostile input: the XSS corpus and the tests that send it through every field people type."""
