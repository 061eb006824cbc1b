"""Reading the engine's and runc's versions from the engine's `/version` answer."""

from __future__ import annotations

from lab.targets.docker.versions import engine_versions


def _answer(*components: tuple[str, str]) -> dict:
    return {
        "Version": "20.10.24+dfsg1",
        "Components": [{"Name": name, "Version": version} for name, version in components],
    }


def test_runc_is_read_from_its_component() -> None:
    answer = _answer(("Engine", "20.10.24+dfsg1"), ("containerd", "1.6.20"), ("runc", "1.1.5"))
    assert engine_versions(answer) == ("20.10.24+dfsg1", "1.1.5")


def test_a_default_runtime_registered_under_another_name_is_still_runc() -> None:
    # What Docker answers when daemon.json's default-runtime is a wrapper named `runc-harness`
    # (seen on a development machine): the component carries the registered name.
    answer = _answer(("Engine", "20.10.24"), ("runc-harness", "1.1.5+ds1"), ("docker-init", "0.19"))
    assert engine_versions(answer) == ("20.10.24+dfsg1", "1.1.5+ds1")


def test_plain_runc_wins_over_a_wrapper() -> None:
    answer = _answer(("runc-harness", "9.9.9"), ("runc", "1.2.3"))
    assert engine_versions(answer)[1] == "1.2.3"


def test_no_runtime_component_gives_none() -> None:
    assert engine_versions(_answer(("Engine", "20.10.24"), ("docker-init", "0.19"))) == (
        "20.10.24+dfsg1",
        None,
    )
