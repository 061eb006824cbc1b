"""Checks on a rule's `args`: which argument, which operator, and values that can match."""

from __future__ import annotations

from lab.profile.lint.names import suggest_operator
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node
from lab.profile.model import OPERATORS


def check_args(args: Node | None, report: Report) -> None:
    """Check a rule's argument comparisons: index, operator, and values that cannot match."""
    seen: dict[int, Node] = {}
    for arg in args.items() if args else []:
        index, op = arg.get("index"), arg.get("op")
        if index is not None and isinstance(index.value, int) and not isinstance(index.value, bool):
            if index.value > 5:
                report(index, "error", "bad-arg-index",
                       f"argument index {index.value} does not exist: syscalls have arguments "
                       "0 to 5", "use the 0-based position of the argument (0 … 5)")
            elif index.value in seen:
                report(index, "warning", "repeated-arg-index",
                       f"args[{index.value}] is compared twice: runc then adds each comparison "
                       "as its own rule, so they match with OR, not AND",
                       "use one comparison per argument, or one rule per alternative")
            seen[index.value] = index
        if op is not None and op.text() is not None and op.value not in OPERATORS:
            guess = suggest_operator(op.value)
            report(op, "error", "unknown-operator", f'"{op.value}" is not a seccomp operator',
                   f'did you mean "{guess}"?' if guess else "operators: " + ", ".join(OPERATORS))
        _check_values(arg, op.text() if op else None, report)


def _check_values(arg: Node, op: str | None, report: Report) -> None:
    value, two = arg.get("value"), arg.get("valueTwo")
    if two is None or not isinstance(two.value, int) or isinstance(two.value, bool):
        return
    if op in OPERATORS and op != "SCMP_CMP_MASKED_EQ" and two.value != 0:
        report(two, "warning", "unused-value-two",
               f"valueTwo is only used by SCMP_CMP_MASKED_EQ; {op} ignores it",
               "delete valueTwo")
    mask = value.value if value is not None and isinstance(value.value, int) else None
    if op == "SCMP_CMP_MASKED_EQ" and mask is not None and two.value & ~mask:
        report(two, "warning", "mask-never-matches",
               f"(argument & {mask}) can never equal {two.value}: valueTwo has bits outside the "
               "mask in value", "with MASKED_EQ, value is the mask and valueTwo the expected bits")
