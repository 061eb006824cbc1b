"""Lint stays linear on hostile profiles: counted work per item, not timed (issue 15).

Each test counts the operations that used to grow with the square of the input: turning an
offset into a line (once per key of the object, for every unknown key), comparing an
argument-matched rule with every earlier one, and spelling suggestions.
"""

from __future__ import annotations

import difflib
import json

import pytest

from lab.profile import json_node
from lab.profile.lint import conflicts as lint_conflicts
from lab.profile.lint import lint_text
from lab.profile.lint.shape import MAX_SPELLED


def _counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_unknown_keys_cost_a_few_place_lookups_each(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 3_000
    profile: dict[str, object] = {"defaultAction": "SCMP_ACT_ALLOW"}
    profile.update({f"k{i:05d}": i for i in range(n)})
    lookups = _counting(monkeypatch, json_node.Lines, "where")
    found = lint_text(json.dumps(profile), "keys.json")
    assert sum(d.code == "unknown-key" for d in found) == n
    assert lookups[0] <= 4 * n  # was n * n: every lookup placed every key of the object


def test_spelling_is_suggested_for_the_first_unknown_keys_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile: dict[str, object] = {"defaultAction": "SCMP_ACT_ALLOW", "defaultActoin": 1}
    profile.update({f"zz{i:05d}": i for i in range(MAX_SPELLED * 3)})
    spelled = _counting(monkeypatch, difflib, "get_close_matches")
    found = lint_text(json.dumps(profile), "keys.json")
    assert spelled[0] <= MAX_SPELLED
    hints = {d.suggestion for d in found if d.code == "unknown-key"}
    assert 'did you mean "defaultAction"?' in hints  # the first ones still get their guess
    assert any(h and h.startswith("known keys here") for h in hints)


def test_argument_rules_are_not_compared_with_every_earlier_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = 2_000
    rules = [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": i, "op": "SCMP_CMP_EQ"}]}
        for i in range(n)
    ]  # fmt: skip
    compared = _counting(monkeypatch, lint_conflicts, "_same_args")
    lint_text(json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules}), "args.json")
    assert compared[0] <= n  # was n * (n - 1) / 2


def test_rules_repeating_the_same_checks_report_each_rule_once() -> None:
    n = 900
    actions = ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG")
    rules = [
        {"names": ["read"], "action": actions[i % 3],
         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
        for i in range(n)
    ]  # fmt: skip
    found = lint_text(json.dumps({"defaultAction": "SCMP_ACT_KILL", "syscalls": rules}), "r.json")
    conflicts = [d for d in found if d.code == "conflicting-args"]
    # Every rule after the first conflicts with the first rule of each other action: at most 2
    # findings a rule (was one per earlier rule: ~270,000 here, 1.7 GB at 3,000 rules).
    assert n - 1 <= len(conflicts) <= 2 * n
    assert "same argument checks" in conflicts[0].message
