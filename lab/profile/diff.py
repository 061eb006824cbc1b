"""What changed between two profiles: syscalls added or removed per action, and top-level fields."""

from __future__ import annotations

from dataclasses import dataclass

from lab.profile.model import Profile

# Top-level fields compared one by one (name shown -> how to read it from the model). The
# order of architectures and flags means nothing to the runtime: they are compared sorted.
FIELDS = {
    "defaultAction": lambda p: p.default_action,
    "defaultErrnoRet": lambda p: p.default_errno_ret,
    "architectures": lambda p: sorted(set(p.all_architectures())),
    "flags": lambda p: sorted(set(p.flags)),
    "listenerPath": lambda p: p.listener_path,
}


@dataclass(frozen=True)
class ProfileDiff:
    """Syscalls whose unconditional action differs, and top-level fields that changed."""

    added: tuple[tuple[str, str], ...]  # (syscall, action in B) absent from A
    removed: tuple[tuple[str, str], ...]  # (syscall, action in A) absent from B
    changed: tuple[tuple[str, str, str], ...]  # (syscall, action in A, action in B)
    fields: tuple[tuple[str, object, object], ...]  # (field, value in A, value in B)
    conditional: tuple[str, ...]  # syscalls with argument rules: compared as text only

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.fields or self.conditional)

    def lines(self) -> list[str]:
        """The diff for a terminal: `+`, `-`, `~` and `field:` lines."""
        out = [f"{name}: {a!r} -> {b!r}" for name, a, b in self.fields]
        out += [f"+ {name} ({action})" for name, action in self.added]
        out += [f"- {name} ({action})" for name, action in self.removed]
        out += [f"~ {name}: {a} -> {b}" for name, a, b in self.changed]
        out += [f"~ {name}: argument rules differ" for name in self.conditional]
        return out


def _actions(profile: Profile) -> tuple[dict[str, str], dict[str, str]]:
    """Syscall -> action for plain rules, and syscall -> rule text for argument-gated ones."""
    plain: dict[str, str] = {}
    gated: dict[str, str] = {}
    for rule in profile.syscalls:
        for name in rule.names:
            if rule.args or not rule.includes.is_empty() or not rule.excludes.is_empty():
                gated[name] = gated.get(name, "") + repr(rule)
            else:  # the first rule for a name wins, as in runc; its errno is part of the action
                errno = f"({rule.errno_ret})" if rule.errno_ret is not None else ""
                plain.setdefault(name, rule.action + errno)
    return plain, gated


def diff_profiles(a: Profile, b: Profile) -> ProfileDiff:
    """Compare two profiles (A the old one, B the new one)."""
    plain_a, gated_a = _actions(a)
    plain_b, gated_b = _actions(b)
    return ProfileDiff(
        added=tuple((n, plain_b[n]) for n in sorted(plain_b.keys() - plain_a.keys())),
        removed=tuple((n, plain_a[n]) for n in sorted(plain_a.keys() - plain_b.keys())),
        changed=tuple(
            (n, plain_a[n], plain_b[n])
            for n in sorted(plain_a.keys() & plain_b.keys())
            if plain_a[n] != plain_b[n]
        ),
        fields=tuple(
            (name, read(a), read(b)) for name, read in FIELDS.items() if read(a) != read(b)
        ),
        conditional=tuple(
            sorted(n for n in gated_a.keys() | gated_b.keys() if gated_a.get(n) != gated_b.get(n))
        ),
    )
