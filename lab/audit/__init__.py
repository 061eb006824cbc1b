"""Kernel seccomp audit records: sources, parsing, decoding, enrichment, the live stream."""
