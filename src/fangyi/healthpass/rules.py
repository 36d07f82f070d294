"""The colour rules as a pure function: facts about one resident in, a colour with its reason out.

Facts come from the apps that own them (cases from surveillance, referrals and tests from labs,
observation periods and their check-ins from quarantine, declarations from here) as `Trigger`s, so a
new source plugs in by producing triggers. A trigger is active from `start` until `end`; a trigger
that `hold`s keeps its colour after it ends until the release rule is met: the rule set's number of
daily check-ins after the end and, for red where the rule asks, a negative test sampled after it.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

GREEN, YELLOW, RED = "green", "yellow", "red"
RANK = {GREEN: 0, YELLOW: 1, RED: 2}

# Reason codes (stable; their messages live in fangyi.healthpass.reasons).
CLEAR = "clear"
OVERRIDE = "override"
RELEASE_PENDING = "release_pending"


@dataclasses.dataclass(frozen=True)
class Trigger:
    reason: str  # a reason code: case, referral, arrival, observation, ...
    colour: str
    start: dt.date
    end: dt.date | None  # the first day it no longer applies; None while it is open
    hold: bool  # whether release after the end needs check-ins (and a test for red)
    evidence: dict[str, Any]  # {"type": ..., "id": ..., ...}: what the colour rests on
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclasses.dataclass(frozen=True)
class Override:
    colour: str
    reason: str
    ends: dt.datetime
    evidence: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Rules:
    version: str
    yellow_release_days: int = 7
    red_release_days: int = 14
    checkins_required: bool = True
    negative_test_for_red: bool = True


@dataclasses.dataclass(frozen=True)
class Facts:
    triggers: Sequence[Trigger] = ()
    checkin_days: frozenset[dt.date] = frozenset()
    negative_test_days: frozenset[dt.date] = frozenset()
    override: Override | None = None


@dataclasses.dataclass(frozen=True)
class Verdict:
    colour: str
    reason: str
    params: dict[str, Any]
    evidence: list[dict[str, Any]]


def worst(colours: Iterable[str]) -> str:
    return max(colours, key=RANK.__getitem__, default=GREEN)


def _release(trigger: Trigger, facts: Facts, rules: Rules, today: dt.date) -> dict[str, Any] | None:
    """What a held trigger still lacks for release (None once released)."""
    assert trigger.end is not None
    days = rules.red_release_days if trigger.colour == RED else rules.yellow_release_days
    if rules.checkins_required:
        done = sum(1 for day in facts.checkin_days if trigger.end <= day <= today)
    else:
        done = min(days, max(0, (today - trigger.end).days))
    test_needed = (
        trigger.colour == RED
        and rules.negative_test_for_red
        and not any(trigger.end <= day <= today for day in facts.negative_test_days)
    )
    if done >= days and not test_needed:
        return None
    return {
        "days": days,
        "done": min(done, days),
        "test_needed": test_needed,
        "since": trigger.end.isoformat(),
    }


def evaluate(facts: Facts, rules: Rules, now: dt.datetime, today: dt.date) -> Verdict:
    """The colour `facts` give on `today` under `rules`."""
    if facts.override is not None and now < facts.override.ends:
        return Verdict(
            facts.override.colour,
            OVERRIDE,
            {"reason": facts.override.reason, "until": facts.override.ends.isoformat()},
            [facts.override.evidence],
        )
    active = [t for t in facts.triggers if t.active_on(today)]
    if active:
        colour = worst(t.colour for t in active)
        main = next(t for t in active if t.colour == colour)
        return Verdict(colour, main.reason, dict(main.params), [t.evidence for t in active])
    pending = []
    for trigger in facts.triggers:
        if trigger.hold and trigger.end is not None and trigger.end <= today:
            lacking = _release(trigger, facts, rules, today)
            if lacking is not None:
                pending.append((trigger, lacking))
    if pending:
        colour = worst(t.colour for t, _ in pending)
        main, lacking = next((t, lacking) for t, lacking in pending if t.colour == colour)
        return Verdict(
            colour, RELEASE_PENDING, {**lacking, "after": main.reason}, [t.evidence for t, _ in pending]
        )
    return Verdict(GREEN, CLEAR, {}, [])
