"""One broken profile per mistake under tests/fixtures/profiles/bad: code, place and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.profile.lint import lint_file

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "bad"

# fixture, code, severity, line, column, text found at that place, words in the suggestion
CASES = [
    ("comment-line.json", "json-comment", "error", 2, 3, "//", '"comment" field'),
    ("comment-block.json", "json-comment", "error", 2, 38, "/*", "remove the comment"),
    ("trailing-comma.json", "trailing-comma", "error", 3, 65, ",", "remove it"),
    ("single-quotes.json", "invalid-json", "error", 2, 3, "'defaultAction'", 'write "…"'),
    ("python-literal.json", "invalid-json", "error", 3, 15, "None", "write null"),
    ("truncated.json", "truncated-json", "error", 5, 1, None, "close every"),
    ("empty.json", "empty-file", "error", 1, 1, None, "defaultAction"),
    ("profile.yaml", "not-json", "error", 1, 1, "defaultAction:", "JSON"),
    ("top-array.json", "not-an-object", "error", 1, 1, "[", '{"defaultAction"'),
    ("top-string.json", "not-an-object", "error", 1, 1, '"SCMP_ACT_LOG"', '{"defaultAction"'),
    ("miscased-action.json", "unknown-action", "error", 2, 20, '"SCMP_ACt_ERRNO"',
     '"SCMP_ACT_ERRNO"'),
    ("unknown-rule-action.json", "unknown-action", "error", 4, 36, '"SCMP_ACT_DENY"',
     '"SCMP_ACT_ERRNO"'),
    ("arch-amd64.json", "unknown-architecture", "error", 3, 21, '"amd64"',
     '"SCMP_ARCH_X86_64"'),
    ("archmap-arm64.json", "unknown-architecture", "error", 4, 22, '"arm64"',
     '"SCMP_ARCH_AARCH64"'),
    ("unknown-syscall.json", "unknown-syscall", "warning", 4, 16, '"mkdirr"', '"mkdir"'),
    ("empty-syscall-name.json", "empty-syscall-name", "error", 4, 25, '""', "remove"),
    ("name-and-names.json", "name-and-names", "error", 4, 6, '"name"', 'into "names"'),
    ("name-only.json", "name-ignored", "warning", 4, 6, '"name"', '"names": ["mkdir"]'),
    ("arch-and-archmap.json", "arch-and-archmap", "error", 4, 3, '"archMap"',
     'delete "archMap"'),
    ("notify-default.json", "notify-default", "error", 2, 20, '"SCMP_ACT_NOTIFY"', "rules"),
    ("notify-write.json", "notify-write", "error", 5, 25, '"write"', "another action"),
    ("names-string.json", "wrong-type", "error", 4, 15, '"mkdir"', '"names": ["mkdir"]'),
    ("errno-string.json", "wrong-type", "error", 4, 66, '"1"', '"errnoRet": 1'),
    ("unknown-key.json", "unknown-key", "error", 2, 3, '"defaultaction"', '"defaultAction"'),
    ("unknown-rule-key.json", "unknown-key", "error", 4, 26, '"actions"', '"action"'),
    ("missing-default-action.json", "missing-default-action", "error", 1, 1, "{",
     '"defaultAction": "SCMP_ACT_ERRNO"'),
    ("arg-index.json", "bad-arg-index", "error", 7, 26, "6", "0 … 5"),
    ("arg-operator.json", "unknown-operator", "error", 7, 47, '"SCMP_CMP_EQUAL"',
     '"SCMP_CMP_EQ"'),
    ("arg-missing-value.json", "missing-field", "error", 7, 16, '{"index": 0', '"value"'),
    ("arg-repeated-index.json", "repeated-arg-index", "warning", 9, 19, "0", "one comparison"),
    ("mask-never-matches.json", "mask-never-matches", "warning", 7, 55, "256", "mask"),
    ("redundant-rule.json", "redundant-rule", "warning", 6, 36, '"SCMP_ACT_ERRNO"', "delete"),
    ("conflicting-actions.json", "conflicting-actions", "warning", 5, 16, '"mkdir"',
     "one action"),
    ("shadowed-rule.json", "shadowed-rule", "warning", 6, 17, '"personality"', "arguments"),
    ("conflicting-args.json", "conflicting-args", "error", 10, 17, '"socket"', "keep one"),
    ("no-log-flag.json", "no-log-flag", "info", 2, 20, '"SCMP_ACT_ERRNO"',
     '"flags": ["SECCOMP_FILTER_FLAG_LOG"]'),
    ("exec-denied.json", "exec-denied", "warning", 2, 20, '"SCMP_ACT_KILL_PROCESS"',
     'allow "execve"'),
    ("kill-thread.json", "kill-is-kill-thread", "info", 4, 47, '"SCMP_ACT_KILL"',
     "SCMP_ACT_KILL_PROCESS"),
    ("unknown-flag.json", "unknown-flag", "error", 3, 13, '"SECCOMP_FILTER_FLAG_LOGS"',
     '"SECCOMP_FILTER_FLAG_LOG"'),
    ("errno-ignored.json", "errno-ignored", "warning", 4, 65, "1", "delete errnoRet"),
    ("duplicate-key.json", "duplicate-key", "warning", 3, 3, '"defaultAction"', None),
    ("containerd-ignores.json", "ignored-by-containerd", "info", 7, 7, '"comment"', None),
    ("include-conditions.json", "unknown-capability", "warning", 8, 29, '"SYS_ADMIN"',
     '"CAP_SYS_ADMIN"'),
    ("include-conditions.json", "unknown-arch-word", "warning", 8, 54, '"SCMP_ARCH_X86_64"',
     '"amd64"'),
    ("include-conditions.json", "bad-min-kernel", "error", 8, 88, '"five"', "5.8"),
    ("no-syscalls.json", "no-syscalls", "warning", 4, 5, '{"names": []', '"names"'),
    ("errno-out-of-range.json", "errno-out-of-range", "warning", 4, 66, "70000", "EPERM"),
    ("unused-value-two.json", "unused-value-two", "warning", 7, 53, "8", "delete valueTwo"),
    ("duplicate-syscall.json", "duplicate-syscall", "info", 5, 16, '"write"', "remove"),
    ("notify-without-listener.json", "notify-without-listener", "warning", 4, 36,
     '"SCMP_ACT_NOTIFY"', '"listenerPath"'),
    ("negative-value.json", "wrong-type", "error", 7, 38, "-1", "18446744073709551615"),
    ("top-level-comment.json", "unknown-key", "error", 2, 3, '"comment"', "rule's"),
    ("filter-arch-word.json", "unknown-arch-word", "warning", 4, 93, '"x86_64"', '"amd64"'),
    ("latin1.json", "not-utf8", "error", 3, 18, None, "UTF-8"),
    ("bom.json", "utf8-bom", "error", 1, 1, None, "without BOM"),
    ("binary.json", "binary-file", "error", 1, 8, None, None),
]


@pytest.mark.parametrize(
    ("fixture", "code", "severity", "line", "column", "token", "hint"),
    CASES,
    ids=[f"{case[0]}:{case[1]}" for case in CASES],
)
def test_each_mistake_is_found_at_its_place(
    fixture: str, code: str, severity: str, line: int, column: int, token: str | None,
    hint: str | None,
) -> None:
    path = BAD / fixture
    found = [d for d in lint_file(path) if d.code == code]
    assert found, f"no {code} in {[d.format() for d in lint_file(path)]}"
    diagnostic = found[0]
    assert (diagnostic.line, diagnostic.column, diagnostic.severity) == (line, column, severity)
    assert diagnostic.path == str(path)
    if token is not None:
        # The column counts characters from 1, so the token must start right there.
        text = path.read_text(encoding="utf-8").splitlines()
        at = text[line - 1][column - 1 :] if text else ""
        assert at.startswith(token), f"{fixture}:{line}:{column} points at {at[:30]!r}"
    if hint is None:
        return
    assert diagnostic.suggestion is not None and hint in diagnostic.suggestion


def test_every_bad_fixture_is_covered() -> None:
    covered = {case[0] for case in CASES}
    assert sorted(p.name for p in BAD.iterdir() if p.name not in covered) == []


@pytest.mark.parametrize("fixture", sorted({case[0] for case in CASES if case[2] == "error"}))
def test_fixtures_with_an_error_are_invalid(fixture: str) -> None:
    assert any(d.is_error for d in lint_file(BAD / fixture))


def test_conflict_message_says_the_first_rule_wins() -> None:
    (diagnostic,) = [d for d in lint_file(BAD / "conflicting-actions.json")
                     if d.code == "conflicting-actions"]
    assert "SCMP_ACT_ALLOW wins" in diagnostic.message
    assert "line 4" in diagnostic.message


def test_comment_message_says_json_has_no_comments() -> None:
    (diagnostic,) = lint_file(BAD / "comment-line.json")
    assert diagnostic.message == "JSON has no comments"
