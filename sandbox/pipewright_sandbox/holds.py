"""Held answers: deterministic in-between states for tests.

A fault rule with `"hold": true` lets its request through to AWS (moto or our handlers) and
records it in the calls log, then keeps the answer back until a test releases it
(`DELETE /_sandbox/holds`) or HOLD_LIMIT seconds pass. A test can then act at the exact
moment after AWS acted and before the client heard (kill the client, cancel it, read its
ledger) instead of racing a timer. `GET /_sandbox/holds` says how many answers are held.
"""

from __future__ import annotations

import threading

from . import registry

# An answer is never held longer than this, so a test that forgets to release cannot leave
# request threads behind for long.
HOLD_LIMIT = 120.0

_COND = threading.Condition()
_HELD = 0
_RELEASES = 0


def wait_if_held(rule: dict | None) -> None:
    """Blocks the request thread while its matching rule says hold (after the call is logged)."""
    global _HELD
    if not rule or not rule.get("hold"):
        return
    with _COND:
        generation = _RELEASES
        _HELD += 1
        _COND.notify_all()
        try:
            _COND.wait_for(lambda: _RELEASES != generation, timeout=HOLD_LIMIT)
        finally:
            _HELD -= 1


def release_all() -> int:
    global _RELEASES
    with _COND:
        released = _HELD
        _RELEASES += 1
        _COND.notify_all()
    return released


def held() -> int:
    with _COND:
        return _HELD


@registry.control("GET", "/_sandbox/holds")
def _get_holds(body: dict, query: dict) -> dict:
    return {"held": held()}


@registry.control("DELETE", "/_sandbox/holds")
def _delete_holds(body: dict, query: dict) -> dict:
    return {"released": release_all()}
