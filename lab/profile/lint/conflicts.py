"""Checks across rules: one syscall given different actions, and what runc really does then.

Measured with libseccomp 2.5.4 (what runc and this lab compile with): for two rules without
argument comparisons, the first rule added is kept and the later one silently dropped; a rule
without comparisons overrides any argument-matched rule for the same syscall, whatever the
order; two rules with identical comparisons and different actions make libseccomp fail with
EEXIST, so runc cannot start the container. runc adds rules in file order.
"""

from __future__ import annotations

from lab.profile.lint.rules import RuleFacts
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node

_Seen = tuple[RuleFacts, Node]


def check_conflicts(facts: list[RuleFacts], report: Report) -> None:
    """Report syscalls whose rules overlap, saying which rule wins and why.

    Linear in the rules: each rule is compared with one earlier rule per action, found by
    (syscall, conditions, arguments), never with every earlier rule (20,000 argument-matched
    rules took 44 s when they were).
    """
    plain: dict[tuple[str, str], _Seen] = {}
    matched: dict[tuple[str, str], list[_Seen]] = {}
    # The first matched rule of each action, by (syscall, conditions, arguments).
    same: dict[tuple[str, str, str], dict[str, _Seen]] = {}
    for fact in facts:
        if fact.effect is None:
            continue
        for node in fact.names:
            key = (node.value, fact.conditions)
            if fact.args is None:
                _against_plain(fact, node, plain.get(key), report)
                if key in plain:
                    continue  # a repeat: the first one already shadows the matched rules
                plain[key] = (fact, node)
                for earlier in matched.pop(key, []):
                    _shadowed(earlier, (fact, node), node, report)
            else:
                if key in plain:
                    _shadowed((fact, node), plain[key], node, report)
                firsts = same.setdefault((*key, fact.args), {})
                for effect, earlier in firsts.items():
                    if effect != fact.effect:
                        _same_args(fact, node, earlier, report)
                firsts.setdefault(fact.effect, (fact, node))
                matched.setdefault(key, []).append((fact, node))


def _against_plain(fact: RuleFacts, node: Node, earlier: _Seen | None, report: Report) -> None:
    if earlier is None:
        return
    first, first_node = earlier
    if first.effect == fact.effect:
        report(node, "info", "duplicate-syscall",
               f'"{node.value}" is already listed with {first.shown} at line {first_node.line}',
               "remove the repeat")
        return
    report(node, "warning", "conflicting-actions",
           f'"{node.value}" is also listed under {first.shown} at line {first_node.line}. '
           "runc adds rules in file order and libseccomp keeps the first rule for a syscall, so "
           f"{first.shown} wins and {fact.shown} here has no effect",
           "list each syscall under one action only")


def _shadowed(matched: _Seen, plain: _Seen, at: Node, report: Report) -> None:
    (rule, _), (whole, whole_node) = matched, plain
    if rule.effect == whole.effect:
        return
    report(at, "warning", "shadowed-rule",
           f'"{at.value}" has a rule without argument checks ({whole.shown}, line '
           f"{whole_node.line}) and one with them ({rule.shown}); libseccomp applies the rule "
           f"without checks to every call, so {rule.shown} never takes effect",
           f'remove "{at.value}" from the rule without argument checks if the arguments should '
           "decide")


def _same_args(fact: RuleFacts, node: Node, earlier: _Seen, report: Report) -> None:
    first, first_node = earlier
    if first.args != fact.args or first.effect == fact.effect:
        return
    report(node, "error", "conflicting-args",
           f'"{node.value}" has the same argument checks under {first.shown} at line '
           f"{first_node.line}; libseccomp rejects the second rule, so runc fails to start the "
           'container ("error adding seccomp filter rule for syscall … file exists")',
           "keep one of the two rules")
