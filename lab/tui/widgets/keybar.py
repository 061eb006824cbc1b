"""The key bar: the lab's keys on one clickable line, drawn with the first frame."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

# Textual's Footer builds one widget per key and composes them only after the screen's first
# refresh (and once the terminal reports focus), which cost the lab a second layout pass and
# ~300 ms before its keys showed. One Static with a click action per key is drawn at once.

_KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"  # resolved when drawn


# Shown first when the whole line does not fit (an 80-column terminal): leaving and the list of
# every key must never be cut off.
_FIRST_WHEN_NARROW = ("app.quit", "screen.help", "app.command_palette")


def key_content(keys: Iterable[tuple[str, str, str]], gap: str = "  ") -> Content:
    """`(key shown, description, action)` triples as one line of clickable key labels."""
    parts: list[Content] = []
    for shown, description, action in keys:
        label = Content.assemble((shown, _KEY_STYLE), " ", description)
        parts.append(label.stylize(Style.from_meta({"@click": action})))
    return Content(gap).join(parts)


def fitted(keys: list[tuple[str, str, str]], width: int) -> Content:
    """The key line for `width` cells: roomy, then tighter, then with quit and help first."""
    first = [key for key in keys if key[2] in _FIRST_WHEN_NARROW]
    rest = [key for key in keys if key[2] not in _FIRST_WHEN_NARROW]
    tries = (key_content(keys), key_content(keys, " "), key_content([*first, *rest], " "))
    return next((line for line in tries if line.cell_length <= width), tries[-1])


class KeyBar(Static):
    """The shown bindings of the screen it sits on, then the app's, then the command palette."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-description-foreground;
        link-style: none;
        link-color: $footer-description-foreground;
        link-style-hover: reverse;
    }
    """

    _keys: list[tuple[str, str, str]] = []  # set once mounted
    _shown = ""

    def on_mount(self) -> None:
        self._keys = self.keys()
        self._show(self.app.size.width - 2)  # the first frame's width

    def on_resize(self) -> None:
        self._show(self.content_size.width or self.app.size.width - 2)

    def _show(self, width: int) -> None:
        line = fitted(self._keys, width)
        if line.plain != self._shown:
            self._shown = line.plain
            # One line, docked: a new text never changes the layout.
            self.update(line, layout=False)

    def keys(self) -> list[tuple[str, str, str]]:
        """The shown bindings as `(key shown, description, namespaced action)`, first key wins."""
        app = self.app
        found: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        # The screen's own keys first, then quitting and the palette, then inherited keys: in
        # demo mode the presenter's keys and `q` must fit on the line.
        own, inherited = _bindings(self.screen)
        app_own, app_inherited = _bindings(app)
        layers: list[tuple[str, Iterable[Binding]]] = [
            ("screen", own),
            ("app", [*app_own, *app_inherited]),
            ("screen", inherited),
        ]
        if app.ENABLE_COMMAND_PALETTE:
            palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "palette")
            layers.insert(2, ("app", [palette]))
        for namespace, bindings in layers:
            for binding in bindings:
                if not binding.show or binding.action in seen:
                    continue
                seen.add(binding.action)
                shown = app.get_key_display(binding)
                found.append((shown, binding.description, f"{namespace}.{binding.action}"))
        return found


def _bindings(node: object) -> tuple[list[Binding], list[Binding]]:
    """A node's bindings: those its own class declares, and those it inherits."""
    own: list[Binding] = []
    inherited: list[Binding] = []
    for cls in type(node).__mro__:
        declared = cls.__dict__.get("BINDINGS")
        if declared:
            found = own if cls is type(node) else inherited
            for group in BindingsMap(declared).key_to_bindings.values():
                found.extend(group)
    return own, inherited
