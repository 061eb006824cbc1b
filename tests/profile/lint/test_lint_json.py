"""The position-aware JSON reader: places of keys and values, and errors that never crash."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from lab.profile.diagnostics import ProfileError
from lab.profile.lint import MAX_BYTES, lint_file, lint_text, parse_profile_text
from lab.profile.located_json import MAX_DEPTH, JsonSyntaxError, parse


def test_values_and_keys_carry_line_and_column() -> None:
    root = parse('{\n  "a": [1, "é", {"b": null}],\n\t"c": -2.5e3\n}')
    assert (root.line, root.column) == (1, 1)
    assert root.keys["a"] == (2, 3)
    items = root.value["a"].items()
    assert [(n.line, n.column) for n in items] == [(2, 9), (2, 12), (2, 17)]
    assert items[2].keys["b"] == (2, 18)
    assert root.keys["c"] == (3, 2)
    assert root.value["c"].value == -2500.0


@pytest.mark.parametrize(
    "text",
    [
        '{"s": "tab\\t quote\\" slash\\/ u\\u00e9 pair\\ud83d\\ude00", "n": [0, -0, 1e2, 12]}',
        '[true, false, null, {}, [], ""]',
        '  {"deep": {"er": {"est": [[[1]]]}}}  \n',
    ],
)
def test_agrees_with_the_json_module(text: str) -> None:
    assert parse(text).plain() == json.loads(text)


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ('{"a": 1,}', 1, 8, "trailing-comma"),
        ('{"a": 1}\n{"b": 2}', 2, 1, "invalid-json"),
        ('{"a": 0x10}', 1, 7, "invalid-json"),
        ('{"a": "line\nbreak"}', 1, 12, "invalid-json"),
        ('{"a": "\\x"}', 1, 8, "invalid-json"),
        ('{"a" 1}', 1, 6, "invalid-json"),
        ("{a: 1}", 1, 2, "invalid-json"),
        ('{"a": [1, 2}', 1, 12, "invalid-json"),
        ('{"a": "never closed', 1, 7, "truncated-json"),
        ('{"a": NaN}', 1, 7, "invalid-json"),
        ("   ", 1, 4, "empty-file"),
    ],
)
def test_syntax_errors_point_at_the_place(text: str, line: int, column: int, code: str) -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.column, caught.value.code) == (line, column, code)


def test_deep_nesting_is_capped_with_a_diagnostic() -> None:
    (diagnostic,) = lint_text("[" * 100_000 + "]" * 100_000, "deep.json")
    assert diagnostic.code == "too-deep"
    assert (diagnostic.line, diagnostic.column) == (1, MAX_DEPTH + 2)


def test_long_numbers_are_refused_not_crashed_on() -> None:
    (diagnostic,) = lint_text('{"defaultAction": "SCMP_ACT_LOG", "x": ' + "9" * 5000 + "}", "n")
    assert diagnostic.code == "invalid-json"


def test_huge_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"defaultAction": "SCMP_ACT_LOG", "pad": "' + "x" * MAX_BYTES + '"}')
    (diagnostic,) = lint_file(path)
    assert diagnostic.code == "too-large"
    assert "4 MiB" in diagnostic.message


def test_lone_surrogate_escapes_do_not_break_printing() -> None:
    found = lint_text('{"defaultAction": "SCMP_ACT_LOG\\ud800"}', "s.json")
    assert found[0].code == "unknown-action"
    found[0].format().encode("utf-8")  # would raise on a lone surrogate


def _mutations(seed: int, count: int) -> list[str]:
    """Valid and broken profiles: fixtures with characters inserted, deleted or swapped."""
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"
    texts = [p.read_text("utf-8", "replace") for p in sorted(fixtures.rglob("*.json"))]
    pieces = ["{", "}", "[", "]", ",", ":", '"', "null", "-1", "1.5", '"names"', '"args"', "\\",
              '"SCMP_ACT_NOTIFY"', '"write"', "18446744073709551616", '{"index": 9}', "\ud800"]
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        text = rnd.choice(texts)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(text) + 1)
            if rnd.random() < 0.6:
                text = text[:at] + rnd.choice(pieces) + text[at:]
            else:
                text = text[:at] + text[at + rnd.randint(1, 8) :]
        out.append(text)
    return out


def test_mangled_profiles_give_diagnostics_never_exceptions() -> None:
    for text in _mutations(seed=7, count=1500):
        found = lint_text(text, "mangled.json")
        for diagnostic in found:
            assert diagnostic.severity in ("error", "warning", "info")
            diagnostic.format().encode("utf-8")
        try:
            parse_profile_text(text, "mangled.json")
        except ProfileError as error:
            assert error.errors, "ProfileError without an error"
            assert "unsupported-profile" not in {d.code for d in error.diagnostics}, text
        else:
            assert not any(d.is_error for d in found)
