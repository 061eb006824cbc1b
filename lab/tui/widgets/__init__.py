"""The lab screen's widgets, one screen area per module."""
