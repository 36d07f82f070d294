import uuid

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, request_actor
from fangyi.core.schemas import JobAcceptedOut
from fangyi.people.imports import MAX_IMPORT_BYTES
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
from fangyi.people.services import people_import_submit, person_register, person_reveal_identity

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


@router.post("/imports", response={202: JobAcceptedOut, 413: ErrorOut, **ERRORS_WRITE})
def people_import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    partial: Form[bool] = False,
) -> Status[JobAcceptedOut]:
    """Upload a resident list (CSV or .xlsx) to import in the background.

    Columns: 姓名/name, 身份证号/id_number, 村社区代码/home_region, 手机号/phone, 地址/address.
    Poll `GET /api/v1/jobs/{id}` for progress; its `result.errors` lists each bad row by line.
    Without `partial`, one bad row means nothing is imported; `dry_run` only validates.
    """
    job = people_import_submit(
        actor=request_actor(request),
        file_name=file.name or "",
        content=file.read(MAX_IMPORT_BYTES + 1),
        dry_run=dry_run,
        partial=partial,
    )
    return Status(202, JobAcceptedOut(id=job.id, status=job.status, url=f"/api/v1/jobs/{job.id}"))


@router.get("/{person_id}", response={200: PersonOut, **ERRORS_READ})
def people_detail(request: HttpRequest, person_id: uuid.UUID) -> PersonOut:
    return person_out(person_get(actor=request_actor(request), person_id=person_id))


@router.post("/{person_id}/reveal", response={200: RevealOut, **ERRORS_READ})
def people_reveal(request: HttpRequest, person_id: uuid.UUID, payload: RevealIn) -> RevealOut:
    """Show the full identity number and phone; allowed to some roles only, and audited."""
    return RevealOut(
        **person_reveal_identity(actor=request_actor(request), person_id=person_id, reason=payload.reason)
    )
