"""Print how long `lint` takes as a hostile profile grows: the time per item must stay flat.

Run from a checkout: `PYTHONPATH=. python bench/bench_lint.py` (or after `pip install -e .`).
Cases from issue 15: unknown top-level keys (1k, 8k, 150k: 2.6 MB, under the 4 MiB cap),
rules with argument checks (2k, 20k), and rules repeating the same checks under different
actions (300, 3k). Figures only, no assertions: machines differ. Linear growth shows as a
steady µs-per-item column; before the fix 8k keys took 41 s and 150k over 300 s.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from lab.profile.lint import lint_text

_ACTIONS = ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG")


def unknown_keys(n: int) -> str:
    profile: dict[str, object] = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}],
    }
    for i in range(n):
        profile[f"k{i:06d}"] = i
    return json.dumps(profile)


def argument_rules(n: int) -> str:
    rules = [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": i, "op": "SCMP_CMP_EQ"}]}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules})


def repeated_checks(n: int) -> str:
    rules = [
        {"names": ["read", "write"], "action": _ACTIONS[i % 3],
         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules})


def measure(label: str, make: Callable[[int], str], sizes: tuple[int, ...]) -> None:
    for n in sizes:
        text = make(n)
        start = time.perf_counter()
        found = lint_text(text, "bench.json")
        took = time.perf_counter() - start
        print(
            f"{label:<18} {n:>8,} items {len(text) / 1e6:6.2f} MB  {took:7.2f} s  "
            f"{took / n * 1e6:7.1f} µs/item  {len(found):>8,} findings",
            flush=True,
        )


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    sizes = lambda *ns: tuple(max(1, int(n * scale)) for n in ns)  # noqa: E731
    measure("unknown keys", unknown_keys, sizes(1_000, 8_000, 150_000))
    measure("argument rules", argument_rules, sizes(2_000, 20_000))
    measure("repeated checks", repeated_checks, sizes(300, 3_000))


if __name__ == "__main__":
    main()
