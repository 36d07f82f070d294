import uuid

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from fangyi.core import pii
from fangyi.core.access import Actor, require, scope_q
from fangyi.core.validators import parse_id_number
from fangyi.people.errors import person_not_found
from fangyi.people.models import Person
from fangyi.regions.selectors import id_address_code_known, region_path


def person_list(*, actor: Actor, region: str | None = None, q: str | None = None) -> QuerySet[Person]:
    require(actor, "people.view")
    people = Person.objects.filter(scope_q(actor, "people.view", "home_region__code"))
    if region:
        people = people.filter(home_region__code__startswith=region_path(region))
    if q:
        people = people.filter(Q(name__contains=q.strip()))
    return people.select_related("home_region")


def person_get(*, actor: Actor, person_id: uuid.UUID | str) -> Person:
    try:
        return person_list(actor=actor).get(pk=person_id)
    except (Person.DoesNotExist, ValueError):
        raise person_not_found() from None


def person_find_by_id_number(*, actor: Actor, id_number: str) -> Person:
    """Exact lookup by identity number through its keyed hash (nothing is decrypted)."""
    number = parse_id_number(id_number, known_region=id_address_code_known)
    try:
        return person_list(actor=actor).get(id_number_hash=pii.lookup_hash("id", number.value))
    except Person.DoesNotExist:
        raise person_not_found() from None


def person_counts_by_child_region(*, actor: Actor, parent_path: str, child_length: int) -> dict[str, int]:
    """Residents per child region of `parent_path`, counting only what the actor may see."""
    rows = (
        Person.objects.filter(scope_q(actor, "people.view", "home_region__code"))
        .filter(home_region__code__startswith=parent_path)
        .annotate(child=Substr("home_region_id", 1, child_length))
        .values("child")
        .annotate(n=Count("id"))
    )
    return {row["child"]: row["n"] for row in rows}
