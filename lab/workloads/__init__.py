"""Workloads the local target runs (the http-echo stand-in)."""
