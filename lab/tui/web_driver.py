"""Textual's web driver for `seclab serve`, which can also repaint the whole screen on request."""

from __future__ import annotations

from textual.drivers.web_driver import WebDriver


class LabWebDriver(WebDriver):
    """The web driver; a `repaint` message redraws every cell, for a viewer who just arrived.

    Textual sends only what changed since the last frame, so a viewer who joins the presenter's
    lab late would see nothing until each part of the screen changes.
    """

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type != "repaint":
            super().on_meta(packet_type, payload)
            return
        app = self._app
        loop = app._loop
        if loop is not None and not loop.is_closed():
            # Called on the driver's input thread; the refresh runs on the app's loop.
            loop.call_soon_threadsafe(_repaint, app)


def _repaint(app: object) -> None:
    from textual.app import App

    if isinstance(app, App) and app._screen_stack:
        app.screen.refresh(repaint=True, layout=True)
