"""Jurisdiction: deny-by-default scoping by region-code prefix.

A user holds roles at regions; each role grants capabilities ("people.view", ...). The regions
where an actor may use a capability are the paths of the roles that grant it, and a region path
is a prefix of every path below it (43 ⊃ 4301 ⊃ 430102 ⊃ 430102001 ⊃ 430102001001), so scoping a
query is one indexed prefix filter on SQLite and PostgreSQL alike.
"""

from typing import Any, Protocol

from django.db.models import Q

from fangyi.core.errors import PermissionDenied


class Actor(Protocol):
    pk: Any

    def prefixes_for(self, capability: str) -> tuple[str, ...]:
        """Region paths where the actor holds a role granting `capability` (empty: nowhere)."""
        ...


def scope_q(actor: Actor | None, capability: str, field: str) -> Q:
    """A filter keeping rows whose region path `field` lies inside the actor's jurisdiction."""
    prefixes = actor.prefixes_for(capability) if actor is not None else ()
    if not prefixes:
        return Q(pk__in=[])
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def covers(actor: Actor | None, capability: str, path: str) -> bool:
    prefixes = actor.prefixes_for(capability) if actor is not None else ()
    return any(path.startswith(prefix) for prefix in prefixes)


def require(actor: Actor | None, capability: str) -> None:
    """Refuse outright (403) when no role of the actor grants `capability` anywhere."""
    if actor is None or not actor.prefixes_for(capability):
        raise PermissionDenied()


def require_any(actor: Actor | None, *capabilities: str) -> None:
    """Refuse outright (403) unless some role of the actor grants one of `capabilities` somewhere."""
    if actor is None or not any(actor.prefixes_for(capability) for capability in capabilities):
        raise PermissionDenied()
