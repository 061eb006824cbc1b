"""Modal screens: help with every key, a readable error, and the target picker."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

HELP = """\
# seclab — keys

| key | does |
|---|---|
| `r` | run the step: the target runs its commands, shown before they run |
| `c` | check the step: what was expected, what was seen |
| `n` / `p` | next / previous step |
| `h` | a hint (press again for the next one) |
| `s` | the solution |
| `x` | reset the step (removes what it started) |
| `/` | filter the audit pane: `syscall=mkdir action=kill comm=… pid=… tree=…` |
| `w` | show only the audit records of this session's workloads |
| `v` | show the step's profile (lint diagnostics and a diff with another) |
| `t` | switch target: local, docker, kind |
| `ctrl+p` | every action, and every lesson ("Lesson: …"), in the command palette |
| `q` / `ctrl+c` | quit, stopping every workload this session started |

**Demo mode:** `space` pause/resume · `←`/`→` previous/next step · `+`/`-` pace.

The audit pane reads the kernel's seccomp records (`type=1326`). Reading them needs root
(CAP_AUDIT_READ): run `sudo seclab start` when the pane says it cannot read them.
`seclab doctor` says what works on this machine and how to fix what does not.
"""


class HelpScreen(ModalScreen[None]):
    """Every key, and where to go from here."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Markdown(HELP)
            yield Button("Close", id="help-close")

    def on_button_pressed(self) -> None:
        self.dismiss()


class ErrorScreen(ModalScreen[None]):
    """A failure in words a learner can act on, never a traceback."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "close")]

    def __init__(self, title: str, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="dialog"):
            yield Static(Text(self.title_text, style="bold red"), id="error-title")
            yield Static(Text(self.message), id="error-message")
            if self.hint:
                yield Static(Text(f"How to fix it: {self.hint}", style="yellow"), id="error-hint")
            yield Button("OK", id="error-ok", variant="error")

    def on_button_pressed(self) -> None:
        self.dismiss()


TARGETS = {
    "local": "this machine's kernel: no daemon, no cluster",
    "docker": "a Docker engine (docker run --security-opt seccomp=…)",
    "kind": "a kind cluster: the Kubernetes tutorial for real",
}


class TargetScreen(ModalScreen[str | None]):
    """Pick where the exercises run; the current target is marked."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="target-box", classes="dialog"):
            yield Static("Switch target (workloads on the current one are stopped first)")
            yield OptionList(
                *(
                    Option(f"{'●' if name == self.current else ' '} {name:<7} {text}", id=name)
                    for name, text in TARGETS.items()
                ),
                id="target-list",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
