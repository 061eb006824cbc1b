"""Seccomp profiles: the model, lint, syscall names from libseccomp, compilation, recording."""
