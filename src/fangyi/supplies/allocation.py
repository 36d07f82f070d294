"""Fair allocation of one item's stock to the requests for it (pure: no database).

Priority tiers are served in order (1 first): a tier gets nothing while a higher one is not fully
served. Within a tier, weighted max-min fair shares (water-filling): every request gets the same
amount per unit of weight, except those whose need is smaller, which get their need, and what they
leave is shared among the others. Shares are computed exactly (fractions), then rounded down to
whole packs, and the packs left over go to the largest remainders (ties by id), so that the result
never exceeds the supply or any need and does not depend on the order of the requests.
"""

import dataclasses
from collections.abc import Sequence
from fractions import Fraction
from itertools import groupby
from typing import Any


@dataclasses.dataclass(frozen=True)
class Need:
    id: str
    quantity: int
    priority: int
    weight: int = 1


@dataclasses.dataclass(frozen=True)
class Allocated:
    shares: dict[str, int]
    explanation: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(self.shares.values())


def _check(available: int, reserve: int, pack_size: int, needs: Sequence[Need]) -> None:
    if reserve < 0 or pack_size < 1:
        raise ValueError("reserve must be >= 0 and pack_size >= 1")
    if len({need.id for need in needs}) != len(needs):
        raise ValueError("need ids must be unique")
    for need in needs:
        if need.quantity < 0 or need.weight < 1:
            raise ValueError(f"need {need.id}: quantity must be >= 0 and weight >= 1")


def water_fill(supply: Fraction, caps: dict[str, int], weights: dict[str, int]) -> dict[str, Fraction]:
    """Weighted max-min fair shares of `supply`, each capped at its `caps` entry (exact)."""
    shares: dict[str, Fraction] = {}
    left = supply
    # Saturated first: the smallest cap per unit of weight reaches its cap first as the level rises.
    active = sorted(caps, key=lambda key: (Fraction(caps[key], weights[key]), key))
    while active:
        level = left / sum(weights[key] for key in active)
        first = active[0]
        if Fraction(caps[first], weights[first]) > level:
            for key in active:
                shares[key] = level * weights[key]
            return shares
        shares[first] = Fraction(caps[first])
        left -= caps[first]
        active.pop(0)
    return shares


def _round_to_packs(shares: dict[str, Fraction], pack: int) -> dict[str, int]:
    """Whole packs: each share rounded down, then the packs the rounding freed go one each to the
    largest remainders (ties by id)."""
    exact = {key: share / pack for key, share in shares.items()}
    packs = {key: int(value) for key, value in exact.items()}
    leftover = int(sum(exact.values(), Fraction(0))) - sum(packs.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - packs[key]), key))
    for key in by_remainder[:leftover]:
        packs[key] += 1
    return {key: count * pack for key, count in packs.items()}


def allocate(
    *, available: int, reserve: int, pack_size: int, whole_packs: bool, needs: Sequence[Need]
) -> Allocated:
    """Share `available − reserve` among `needs`: priority tiers first, then weighted max-min fair
    shares capped at each need, in whole packs when the item moves in packs."""
    _check(available, reserve, pack_size, needs)
    pack = pack_size if whole_packs else 1
    supply = max(available - reserve, 0)
    explanation: list[dict[str, Any]] = [
        {
            "step": "supply",
            "available": available,
            "reserve": reserve,
            "supply": supply,
            "pack_size": pack,
        }
    ]
    shares: dict[str, int] = {}
    ordered = sorted(needs, key=lambda need: (need.priority, need.id))
    for priority, group in groupby(ordered, key=lambda need: need.priority):
        tier = list(group)
        # A need that is not a whole number of packs can only be met up to the packs inside it.
        caps = {need.id: need.quantity // pack * pack for need in tier}
        weights = {need.id: need.weight for need in tier}
        fair = water_fill(Fraction(min(supply, sum(caps.values()))), caps, weights)
        given = _round_to_packs(fair, pack)
        shares.update(given)
        served = sum(given.values())
        explanation.append(
            {
                "step": "tier",
                "tier": priority,
                "supply_before": supply,
                "requested": sum(need.quantity for need in tier),
                "shares": given,
                "given": served,
                "fully_served": all(given[key] == caps[key] for key in caps),
                "supply_after": supply - served,
            }
        )
        supply -= served
    explanation.append({"step": "done", "allocated": sum(shares.values()), "left": supply})
    return Allocated(shares=shares, explanation=explanation)
