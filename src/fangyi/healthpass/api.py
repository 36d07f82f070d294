import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core import clock
from fangyi.core.access import require
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.healthpass import selectors, services
from fangyi.healthpass.choices import AppealStatus, Colour, OverrideStatus
from fangyi.healthpass.models import Appeal, ColourChange, ColourOverride, ColourState, HealthDeclaration
from fangyi.healthpass.reasons import reason_text, state_reason, verify_text
from fangyi.healthpass.schemas import (
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    AppealPage,
    ChangeFilter,
    ChangeItem,
    ChangePage,
    ColourChangeOut,
    ColourOut,
    DeclarationIn,
    DeclarationOut,
    GateOut,
    KeySetOut,
    OverrideDecisionIn,
    OverrideIn,
    OverrideOut,
    OverridePage,
    PassOut,
    PersonColourOut,
    RevocationFilter,
    RevocationsOut,
    ScanIn,
    ScanOut,
    StatsFilter,
    StatsOut,
    StatsRow,
    StatusFilter,
    VerifyIn,
    VerifyOut,
)
from fangyi.people.models import Person

router = Router(tags=["health code"])


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def change_fields(change: ColourChange) -> dict[str, Any]:
    return {
        "at": change.at,
        "from_colour": change.from_colour,
        "to_colour": change.to_colour,
        "rule_version": change.rule_version,
        "reason_code": change.reason_code,
        "reason": reason_text(change.reason_code, change.reason_params),
        "evidence": change.evidence,
        "by": change.actor.username if change.actor else None,
    }


def colour_fields(person: Person, state: ColourState | None) -> dict[str, Any]:
    colour = state.colour if state else Colour.GREEN
    return {
        "colour": colour,
        "colour_label": _label(Colour, colour),
        "reason_code": state.reason_code if state else "clear",
        "reason": state_reason(state),
        "rule_version": state.rule_version if state else "",
        "since": state.since if state else None,
        "changes": [ColourChangeOut(**change_fields(c)) for c in selectors.colour_changes_of(person)],
    }


def appeal_out(appeal: Appeal) -> AppealOut:
    return AppealOut(
        id=appeal.id,
        person_id=appeal.person_id,
        person_name=appeal.person.name,
        colour=appeal.colour,
        text=appeal.text,
        status=appeal.status,
        status_label=_label(AppealStatus, appeal.status),
        filed_at=appeal.filed_at,
        response=appeal.response,
    )


def override_out(override: ColourOverride) -> OverrideOut:
    return OverrideOut(
        id=override.id,
        person_id=override.person_id,
        person_name=override.person.name,
        colour=override.colour,
        reason=override.reason,
        status=override.status,
        status_label=_label(OverrideStatus, override.status),
        ends_at=override.ends_at,
        requested_by=override.requested_by.username,
        requested_at=override.requested_at,
        decided_by=override.decided_by.username if override.decided_by else None,
        decided_at=override.decided_at,
        decision_note=override.decision_note,
    )


def declaration_out(row: HealthDeclaration) -> DeclarationOut:
    return DeclarationOut.model_validate(row, from_attributes=True)


# Public keys and revocations: what an offline verifier needs -------------------------------------


@router.get("/keys", response={200: KeySetOut}, auth=None)
def keys(request: HttpRequest) -> dict[str, Any]:
    """The public keys passes are signed with (JWK, ES256). Public: anyone may verify a pass."""
    return selectors.keyset_document_current()


@router.get("/revocations", response={200: RevocationsOut, **ERRORS_READ})
def revocations(request: HttpRequest, filters: Query[RevocationFilter]) -> dict[str, Any]:
    """Passes withdrawn after version `since`: `[subject, revoked_before]` pairs, passes issued at or
    before that time are invalid. Gate staff only: the list says whose colour got worse."""
    require(request_actor(request), selectors.SCAN)
    return selectors.revocations_delta(since=filters.since)


# The resident's own code -------------------------------------------------------------------------


@router.get("/me", response={200: ColourOut, **ERRORS_READ})
def my_colour(request: HttpRequest) -> ColourOut:
    """Your colour, why, and its history."""
    person = services.resident_of(request_actor(request))
    return ColourOut(**colour_fields(person, selectors.colour_state_of(person)))


@router.post("/me/pass", response={201: PassOut, **ERRORS_WRITE})
def my_pass(request: HttpRequest) -> Status[PassOut]:
    """A fresh signed pass (the text of your QR code), valid for FANGYI_PASS_TTL_HOURS."""
    issued = services.pass_issue(actor=request_actor(request))
    return Status(201, PassOut(**issued.__dict__))


@router.post("/me/declarations", response={201: DeclarationOut, **ERRORS_WRITE})
def my_declaration(request: HttpRequest, payload: DeclarationIn) -> Status[DeclarationOut]:
    """Today's health and travel declaration (the daily check-in)."""
    row = services.declaration_submit(actor=request_actor(request), **payload.dict())
    return Status(201, declaration_out(row))


@router.post("/me/appeals", response={201: AppealOut, **ERRORS_WRITE})
def my_appeal(request: HttpRequest, payload: AppealIn) -> Status[AppealOut]:
    """Object to your colour; officials of your home area answer."""
    return Status(201, appeal_out(services.appeal_file(actor=request_actor(request), text=payload.text)))


# Gates -------------------------------------------------------------------------------------------


@router.get("/gates", response={200: list[GateOut], **ERRORS_READ})
def gates(request: HttpRequest) -> list[GateOut]:
    """Checkpoints and gates where you may check codes."""
    actor = request_actor(request)
    require(actor, selectors.SCAN)
    return [
        GateOut(
            id=place.pk,
            name=place.name,
            kind=place.kind,
            kind_label=place.get_kind_display(),
            region_code=place.region.official_code,
            region_name=place.region.name,
        )
        for place in selectors.gate_list(actor=actor)
    ]


@router.post("/verify", response={200: VerifyOut, **ERRORS_READ})
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    """Check a pass online without recording a scan."""
    require(request_actor(request), selectors.SCAN)
    result = selectors.verifier_current().verify(payload.token, clock.now().timestamp())
    claims = result.claims
    return VerifyOut(
        ok=result.ok,
        code=result.code,
        message=verify_text(
            result.code if not claims or claims.colour == Colour.GREEN else f"colour_{claims.colour}"
        ),
        colour=claims.colour if claims else None,
        masked_name=claims.masked_name if claims else None,
        expires_at=dt.datetime.fromtimestamp(claims.expires_at, tz=dt.UTC) if claims else None,
    )


@router.post("/scans", response={200: ScanOut, 201: ScanOut, **ERRORS_WRITE})
def scan(request: HttpRequest, payload: ScanIn) -> Status[ScanOut]:
    """Record a scan at a gate: pass, or stop with the reason (201; 200 when this id was sent before)."""
    outcome = services.scan_record(
        actor=request_actor(request),
        scan_id=payload.id,
        place_id=payload.place_id,
        token=payload.token,
        temperature=payload.temperature,
        scanned_at=payload.scanned_at,
        offline_queued=payload.offline,
    )
    row = outcome.scan
    return Status(
        201 if outcome.created else 200,
        ScanOut(
            id=row.id,
            recorded=outcome.created,
            decision=row.decision,
            reason_code=row.reason_code,
            message=verify_text(row.reason_code),
            colour=row.colour,
            masked_name=outcome.masked_name,
            expires_at=outcome.expires_at,
            temperature=row.temperature,
            fever=row.fever,
            referral_id=row.referral_id,
            scanned_at=row.scanned_at,
        ),
    )


@router.get("/stats", response={200: StatsOut, **ERRORS_READ})
def stats(request: HttpRequest, filters: Query[StatsFilter]) -> StatsOut:
    """Scans, stops and fevers per place and day in your jurisdiction (default: the last 14 days)."""
    actor = request_actor(request)
    require(actor, selectors.VIEW)
    start, end = selectors.stats_range(filters.start, filters.end)
    tallies = selectors.scan_stats(actor=actor, start=start, end=end, place_id=filters.place_id)
    totals = selectors.scan_totals(tallies)
    return StatsOut(
        start=start,
        end=end,
        scans=totals["scans"] or 0,
        stops=totals["stops"] or 0,
        fevers=totals["fevers"] or 0,
        rows=[
            StatsRow(
                date=t.date,
                place_id=t.place_id,
                place_name=t.place.name,
                scans=t.scans,
                stops=t.stops,
                fevers=t.fevers,
            )
            for t in tallies
        ],
    )


# Officials: colours, overrides, appeals -----------------------------------------------------------


@router.get("/changes", response={200: ChangePage, **ERRORS_READ})
def changes(request: HttpRequest, filters: Query[ChangeFilter]) -> ChangePage:
    """Colour changes of residents in your jurisdiction, newest first."""
    actor = request_actor(request)
    require(actor, selectors.VIEW)
    found = selectors.colour_change_list(actor=actor, region=filters.region, colour=filters.colour)
    page = found[filters.offset : filters.offset + filters.limit]
    return ChangePage(
        count=found.count(),
        items=[
            ChangeItem(**change_fields(c), person_id=c.person_id, person_name=c.person.name) for c in page
        ],
    )


@router.get("/people/{person_id}", response={200: PersonColourOut, **ERRORS_READ})
def person_colour(request: HttpRequest, person_id: uuid.UUID) -> PersonColourOut:
    """A resident's colour, the reason and the log of changes with their evidence."""
    actor = request_actor(request)
    require(actor, selectors.VIEW)
    person, state = selectors.person_colour_get(actor=actor, person_id=person_id)
    return PersonColourOut(
        **colour_fields(person, state),
        person_id=person.pk,
        person_name=person.name,
        person_id_number=person.id_number_masked,
    )


@router.post("/declarations/{declaration_id}/verify", response={200: DeclarationOut, **ERRORS_WRITE})
def declaration_verify(request: HttpRequest, declaration_id: uuid.UUID) -> DeclarationOut:
    """Confirm in person an arrival from a high-risk area: the arrival rule no longer holds the code."""
    return declaration_out(
        services.arrival_verify(actor=request_actor(request), declaration_id=declaration_id)
    )


@router.get("/overrides", response={200: OverridePage, **ERRORS_READ})
def overrides(request: HttpRequest, filters: Query[StatusFilter]) -> OverridePage:
    """Overrides in your jurisdiction (default: those awaiting a second approver)."""
    actor = request_actor(request)
    require(actor, selectors.MANAGE)
    found = selectors.override_list(actor=actor, status=filters.status or OverrideStatus.REQUESTED)
    page = found[filters.offset : filters.offset + filters.limit]
    return OverridePage(count=found.count(), items=[override_out(o) for o in page])


@router.post("/overrides", response={201: OverrideOut, **ERRORS_WRITE})
def override_request(request: HttpRequest, payload: OverrideIn) -> Status[OverrideOut]:
    """Ask to set a colour over the rules; another official must approve it."""
    override = services.override_request(actor=request_actor(request), **payload.dict())
    return Status(201, override_out(override))


@router.post("/overrides/{override_id}/approve", response={200: OverrideOut, **ERRORS_WRITE})
def override_approve(
    request: HttpRequest, override_id: uuid.UUID, payload: OverrideDecisionIn
) -> OverrideOut:
    """Approve an override requested by another official: it is in force at once."""
    return override_out(
        services.override_approve(actor=request_actor(request), override_id=override_id, note=payload.note)
    )


@router.post("/overrides/{override_id}/reject", response={200: OverrideOut, **ERRORS_WRITE})
def override_reject(request: HttpRequest, override_id: uuid.UUID, payload: OverrideDecisionIn) -> OverrideOut:
    return override_out(
        services.override_reject(actor=request_actor(request), override_id=override_id, note=payload.note)
    )


@router.post("/overrides/{override_id}/end", response={200: OverrideOut, **ERRORS_WRITE})
def override_end(request: HttpRequest, override_id: uuid.UUID, payload: OverrideDecisionIn) -> OverrideOut:
    """End an override in force early: the rules decide again."""
    return override_out(
        services.override_end(actor=request_actor(request), override_id=override_id, note=payload.note)
    )


@router.get("/appeals", response={200: AppealPage, **ERRORS_READ})
def appeals(request: HttpRequest, filters: Query[StatusFilter]) -> AppealPage:
    """The appeal queue of your jurisdiction, oldest first (default: open appeals)."""
    actor = request_actor(request)
    require(actor, selectors.MANAGE)
    found = selectors.appeal_list(actor=actor, status=filters.status or AppealStatus.OPEN)
    page = found[filters.offset : filters.offset + filters.limit]
    return AppealPage(count=found.count(), items=[appeal_out(a) for a in page])


@router.post("/appeals/{appeal_id}/decide", response={200: AppealOut, **ERRORS_WRITE})
def appeal_decide(request: HttpRequest, appeal_id: uuid.UUID, payload: AppealDecisionIn) -> AppealOut:
    """Reject an appeal with a response, or uphold it (which requests an override for a second approver)."""
    appeal = services.appeal_decide(actor=request_actor(request), appeal_id=appeal_id, **payload.dict())
    return appeal_out(appeal)
