"""Predict, then run: the step's question, answered before the step runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class PredictScreen(ModalScreen[int | None]):
    """Pick an answer (its index), or escape to run the step without predicting."""

    DEFAULT_CSS = """
    PredictScreen { align: center middle; }
    PredictScreen #predict-box { width: 70; height: auto; padding: 1 2; border: round $accent; }
    PredictScreen OptionList { height: auto; max-height: 10; }
    """
    BINDINGS = [Binding("escape", "skip", "run without predicting")]

    def __init__(self, question: str, choices: tuple[str, ...]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="predict-box"):
            yield Static(f"Predict, then run: {self.question}", id="predict-question")
            yield OptionList(
                *(Option(f"{n}) {c}", id=str(n - 1)) for n, c in enumerate(self.choices, 1)),
                id="predict-choices",
            )
            yield Static("Enter: answer · escape: run without predicting", classes="dim")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_skip(self) -> None:
        self.dismiss(None)
