import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.people.models import Person
from fangyi.people.schemas import (
    PersonFilter,
    PersonIn,
    PersonLookupIn,
    PersonOut,
    PersonPage,
    RevealIn,
    RevealOut,
)
from fangyi.people.selectors import person_find_by_id_number, person_get, person_list
from fangyi.people.services import person_register, person_reveal_identity

router = Router(tags=["people"])


def person_out(person: Person) -> PersonOut:
    return PersonOut(
        id=person.id,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        id_number=person.id_number_masked,
        phone=person.phone_masked,
        home_region_code=person.home_region.official_code,
        home_region_name=person.home_region.name,
        address=person.address,
        synthetic=person.synthetic,
    )


@router.get("", response={200: PersonPage, **ERRORS_READ})
def people(request: HttpRequest, filters: Query[PersonFilter]) -> PersonPage:
    found = person_list(actor=request_actor(request), region=filters.region, q=filters.q)
    page = found[filters.offset : filters.offset + filters.limit]
    return PersonPage(count=found.count(), items=[person_out(p) for p in page])


@router.post("", response={201: PersonOut, **ERRORS_WRITE})
def people_register(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    person = person_register(actor=request_actor(request), **payload.dict())
    return Status(201, person_out(person))


@router.post("/lookup", response={200: PersonOut, **ERRORS_READ})
def people_lookup(request: HttpRequest, payload: PersonLookupIn) -> PersonOut:
    """Find a resident by identity number (sent in the body so it never lands in a URL log)."""
    return person_out(person_find_by_id_number(actor=request_actor(request), id_number=payload.id_number))


@router.get("/{person_id}", response={200: PersonOut, **ERRORS_READ})
def people_detail(request: HttpRequest, person_id: uuid.UUID) -> PersonOut:
    return person_out(person_get(actor=request_actor(request), person_id=person_id))


@router.post("/{person_id}/reveal", response={200: RevealOut, **ERRORS_READ})
def people_reveal(request: HttpRequest, person_id: uuid.UUID, payload: RevealIn) -> RevealOut:
    """Show the full identity number and phone; allowed to some roles only, and audited."""
    return RevealOut(**person_reveal_identity(actor=request_actor(request), person_id=person_id, reason=payload.reason))
