"""`seclab prepare`: make the room ready the evening before a talk, so nothing downloads in it."""

from lab.prepare.items import Item, Steps
from lab.prepare.room import Room

__all__ = ["Item", "Room", "Steps"]
