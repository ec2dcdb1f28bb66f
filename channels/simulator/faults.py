"""Faults injected on demand: what each kind is and which requests it hits."""

from __future__ import annotations

from dataclasses import dataclass

FAULT_KINDS = frozenset(
    {"server_error", "rate_limit", "latency", "drop", "malformed", "expired_token"}
)


@dataclass
class InjectedFault:
    """One armed fault; `remaining` counts down as matching requests consume it."""

    kind: str
    remaining: int
    path_contains: str | None = None
    retry_after: int | None = None
    seconds: float | None = None

    def matches(self, path: str, *, carries_token: bool) -> bool:
        if self.path_contains is not None and self.path_contains not in path:
            return False
        # A token endpoint has no token to expire: the fault waits for the next API call.
        return self.kind != "expired_token" or carries_token

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "count": self.remaining,
            "path_contains": self.path_contains,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
        }


def new_fault(
    kind: str,
    *,
    count: int = 1,
    path_contains: str | None = None,
    retry_after: int | None = None,
    seconds: float | None = None,
) -> InjectedFault:
    """Validate the arguments of `SimulatorState.inject_fault`; raise ValueError if wrong."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be an integer >= 1")
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise ValueError("retry_after must be an integer >= 0")
    if seconds is not None and (not isinstance(seconds, int | float) or seconds < 0):
        raise ValueError("seconds must be a number >= 0")
    if kind == "latency" and seconds is None:
        seconds = 1.0
    return InjectedFault(kind, count, path_contains, retry_after, seconds)
