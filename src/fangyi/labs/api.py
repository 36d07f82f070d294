import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.labs import services
from fangyi.labs.models import Referral, TestResult
from fangyi.labs.schemas import (
    ReferralCloseIn,
    ReferralFilter,
    ReferralItem,
    ReferralOpenIn,
    ReferralOut,
    ReferralPage,
    ResultFilter,
    ResultIn,
    ResultOut,
    ResultPage,
)
from fangyi.labs.selectors import referral_get, referral_list, result_list

router = Router(tags=["labs"])


def referral_item(referral: Referral) -> ReferralItem:
    return ReferralItem(
        id=referral.id,
        person_id=referral.person_id,
        person_name=referral.person.name,
        person_id_number=referral.person.id_number_masked,
        county_code=referral.county.official_code,
        county_name=referral.county.name,
        place_id=referral.place_id,
        place_name=referral.place.name if referral.place else None,
        source=referral.source,
        source_label=referral.get_source_display(),
        temperature=float(referral.temperature) if referral.temperature is not None else None,
        reason=referral.reason,
        status=referral.status,
        status_label=referral.get_status_display(),
        opened_at=referral.opened_at,
        closed_at=referral.closed_at,
        outcome_note=referral.outcome_note,
    )


def result_out(result: TestResult) -> ResultOut:
    return ResultOut(
        id=result.id,
        person_id=result.person_id,
        person_name=result.person.name,
        person_id_number=result.person.id_number_masked,
        referral_id=result.referral_id,
        sampled_on=result.sampled_on,
        result=result.result,
        result_label=result.get_result_display(),
        positive=result.positive,
        lab=result.lab,
        county_code=result.county_id.ljust(6, "0"),
        reported_at=result.reported_at,
    )


def referral_out(actor: Actor, referral: Referral) -> ReferralOut:
    """A referral with the results recorded against it that the actor may read."""
    results = result_list(actor=actor).filter(referral=referral)
    return ReferralOut(**referral_item(referral).dict(), results=[result_out(r) for r in results])


# Referrals ---------------------------------------------------------------------------------------


@router.get("/referrals", response={200: ReferralPage, **ERRORS_READ})
def referrals(request: HttpRequest, filters: Query[ReferralFilter]) -> ReferralPage:
    """Fever referrals your county follows up: open ones first, longest waiting first."""
    found = referral_list(actor=request_actor(request), status=filters.status, county=filters.county)
    page = found[filters.offset : filters.offset + filters.limit]
    return ReferralPage(count=found.count(), items=[referral_item(r) for r in page])


@router.post("/referrals", response={201: ReferralOut, **ERRORS_WRITE})
def referral_open(request: HttpRequest, payload: ReferralOpenIn) -> Status[ReferralOut]:
    """Refer a resident of your jurisdiction to a fever clinic.

    A resident has at most one open referral: while one is open, it is the answer and nothing new
    is opened, so a retried request is safe.
    """
    actor = request_actor(request)
    referral = services.referral_open(actor=actor, **payload.dict())
    return Status(201, referral_out(actor, referral))


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **ERRORS_READ})
def referral_detail(request: HttpRequest, referral_id: uuid.UUID) -> ReferralOut:
    """A referral with the results recorded against it."""
    actor = request_actor(request)
    return referral_out(actor, referral_get(actor=actor, referral_id=referral_id))


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut, **ERRORS_WRITE})
def referral_close(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralCloseIn) -> ReferralOut:
    """Close an open referral: `cleared` (not a case) or `case_reported` (reported as suspected)."""
    actor = request_actor(request)
    services.referral_close(actor=actor, referral_id=referral_id, status=payload.status, note=payload.note)
    return referral_out(actor, referral_get(actor=actor, referral_id=referral_id))


# Results -----------------------------------------------------------------------------------------


@router.get("/results", response={200: ResultPage, **ERRORS_READ})
def results(request: HttpRequest, filters: Query[ResultFilter]) -> ResultPage:
    """Laboratory results of residents of your jurisdiction, latest sample first."""
    found = result_list(actor=request_actor(request), person_id=filters.person_id)
    page = found[filters.offset : filters.offset + filters.limit]
    return ResultPage(count=found.count(), items=[result_out(r) for r in page])


@router.post("/results", response={201: ResultOut, **ERRORS_WRITE})
def result_report(request: HttpRequest, payload: ResultIn) -> Status[ResultOut]:
    """Record a laboratory result of a resident of your jurisdiction (clinics and labs)."""
    result = services.result_report(actor=request_actor(request), **payload.dict())
    return Status(201, result_out(result))
