"""Lessons: models, loader, runner, checks and progress."""
