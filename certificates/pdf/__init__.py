"""Certificates and transcripts on paper (reportlab): `certificate` draws one credential's
certificate, `transcript` a staff member's training transcript, `common` holds what they share.
Rendering is deterministic: the same data gives the same bytes."""
