import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from fangyi.command import selectors, services
from fangyi.command.choices import DirectiveStatus
from fangyi.command.errors import sitrep_not_found
from fangyi.command.models import Attachment, Directive, Sitrep, Target
from fangyi.command.schemas import (
    BoardFilter,
    BoardRow,
    CompleteIn,
    DirectiveFilter,
    DirectiveIn,
    DirectiveItem,
    DirectiveOut,
    DirectivePage,
    FileOut,
    ReportIn,
    ResponsePeriodOut,
    SectionOut,
    SitrepFilter,
    SitrepIn,
    SitrepItem,
    SitrepOut,
    SitrepPage,
    TargetOut,
)
from fangyi.core import clock
from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.surveillance.selectors import response_level_timeline

router = Router(tags=["command"])
PREFIX = "/api/v1/command"


def file_out(attachment: Attachment) -> FileOut:
    return FileOut(
        id=attachment.id,
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        uploaded_at=attachment.uploaded_at,
    )


def target_out(target: Target, *, evidence: bool = False) -> TargetOut:
    return TargetOut(
        id=target.id,
        directive_id=target.directive_id,
        region_code=target.region.official_code,
        region_name=target.region.name,
        status=target.status,
        status_label=target.get_status_display(),
        progress=target.progress,
        note=target.note,
        acknowledged_at=target.acknowledged_at,
        completed_at=target.completed_at,
        escalated_at=target.escalated_at,
        evidence=[file_out(a) for a in target.evidence.defer("data")] if evidence else [],
    )


def directive_item(directive: Directive, target: Target | None = None) -> DirectiveItem:
    return DirectiveItem(
        id=directive.id,
        title=directive.title,
        issuer_code=directive.issuer.official_code,
        issuer_name=directive.issuer.name,
        down_to=directive.down_to,
        deadline=directive.deadline,
        status=directive.status,
        status_label=directive.get_status_display(),
        issued_at=directive.issued_at,
        overdue=directive.status == DirectiveStatus.ACTIVE and directive.deadline < clock.now(),
        targets=getattr(directive, "target_count", None),
        completed=getattr(directive, "completed_count", None),
        escalated=getattr(directive, "escalated_count", None),
        target=target_out(target) if target is not None else None,
    )


def directive_out(actor: Actor, directive_id: uuid.UUID) -> DirectiveOut:
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    return DirectiveOut(
        **directive_item(directive).dict(),
        body=directive.body,
        attachments=[file_out(a) for a in directive.attachments.filter(target__isnull=True).defer("data")],
    )


@router.get("/directives", response={200: DirectivePage, **ERRORS_READ})
def directives(request: HttpRequest, filters: Query[DirectiveFilter]) -> DirectivePage:
    """`box=inbox` (default): active directives addressed to your own regions, open ones first,
    nearest deadline first, each with your region's target. `box=sent`: directives issued at your
    command levels, newest first, with how many regions they reached and completed."""
    actor = request_actor(request)
    end = filters.offset + filters.limit
    if filters.box == "inbox":
        inbox = selectors.directive_inbox(actor=actor)
        return DirectivePage(
            count=inbox.count(), items=[directive_item(t.directive, t) for t in inbox[filters.offset : end]]
        )
    sent = selectors.directive_sent(actor=actor)
    return DirectivePage(count=sent.count(), items=[directive_item(d) for d in sent[filters.offset : end]])


@router.post("/directives", response={201: DirectiveOut, **ERRORS_WRITE})
def directive_issue(request: HttpRequest, payload: DirectiveIn) -> Status[DirectiveOut]:
    """Issue a directive from your level `issuer` to regions strictly below it; every region under
    them down to `down_to` receives it. Attachments: at most 5, each at most 5 MB."""
    actor = request_actor(request)
    directive = services.directive_issue(
        actor=actor,
        issuer=payload.issuer,
        title=payload.title,
        body=payload.body,
        targets=payload.targets,
        deadline=payload.deadline,
        down_to=payload.down_to,
        attachments=[a.as_file() for a in payload.attachments],
    )
    return Status(201, directive_out(actor, directive.pk))


@router.get("/directives/{directive_id}", response={200: DirectiveOut, **ERRORS_READ})
def directive_detail(request: HttpRequest, directive_id: uuid.UUID) -> DirectiveOut:
    return directive_out(request_actor(request), directive_id)


@router.get("/directives/{directive_id}/board", response={200: list[BoardRow], **ERRORS_READ})
def directive_board(
    request: HttpRequest, directive_id: uuid.UUID, filters: Query[BoardFilter]
) -> list[BoardRow]:
    """The directive's status in each child region of `region`: targets by status, overdue,
    escalated and the share completed."""
    rows = selectors.directive_board(
        actor=request_actor(request), directive_id=directive_id, region=filters.region
    )
    return [BoardRow(**row) for row in rows]


@router.post("/directives/{directive_id}/withdraw", response={200: DirectiveOut, **ERRORS_WRITE})
def directive_withdraw(request: HttpRequest, directive_id: uuid.UUID) -> DirectiveOut:
    """Withdraw a directive your level issued."""
    actor = request_actor(request)
    services.directive_withdraw(actor=actor, directive_id=directive_id)
    return directive_out(actor, directive_id)


def _target(actor: Actor, target_id: uuid.UUID) -> TargetOut:
    return target_out(selectors.target_get(actor=actor, target_id=target_id), evidence=True)


@router.post("/targets/{target_id}/acknowledge", response={200: TargetOut, **ERRORS_WRITE})
def target_acknowledge(request: HttpRequest, target_id: uuid.UUID) -> TargetOut:
    """Acknowledge a directive addressed to your own region (another region's: 403, or 404
    outside your jurisdiction)."""
    actor = request_actor(request)
    services.target_acknowledge(actor=actor, target_id=target_id)
    return _target(actor, target_id)


@router.post("/targets/{target_id}/report", response={200: TargetOut, **ERRORS_WRITE})
def target_report(request: HttpRequest, target_id: uuid.UUID, payload: ReportIn) -> TargetOut:
    """Report progress (never lower than before) with a note and optional evidence."""
    actor = request_actor(request)
    services.target_report(
        actor=actor,
        target_id=target_id,
        progress=payload.progress,
        note=payload.note,
        evidence=payload.evidence.as_file() if payload.evidence else None,
    )
    return _target(actor, target_id)


@router.post("/targets/{target_id}/complete", response={200: TargetOut, **ERRORS_WRITE})
def target_complete(request: HttpRequest, target_id: uuid.UUID, payload: CompleteIn) -> TargetOut:
    """Report the directive carried out in your region (final)."""
    actor = request_actor(request)
    services.target_complete(
        actor=actor,
        target_id=target_id,
        note=payload.note,
        evidence=payload.evidence.as_file() if payload.evidence else None,
    )
    return _target(actor, target_id)


# Situation reports -------------------------------------------------------------------------------


def sitrep_item(sitrep: Sitrep) -> SitrepItem:
    return SitrepItem(
        region_code=sitrep.region.official_code,
        region_name=sitrep.region.name,
        date=sitrep.date,
        generated_at=sitrep.generated_at,
        pdf_url=f"{PREFIX}/sitreps/{sitrep.region_id}/{sitrep.date.isoformat()}/pdf",
    )


def sitrep_out(sitrep: Sitrep) -> SitrepOut:
    return SitrepOut(
        **sitrep_item(sitrep).dict(),
        title=selectors.sitrep_title(sitrep),
        sections=[SectionOut(**section) for section in selectors.sitrep_sections(sitrep.content)],
        content=sitrep.content,
    )


@router.get("/sitreps", response={200: SitrepPage, **ERRORS_READ})
def sitreps(request: HttpRequest, filters: Query[SitrepFilter]) -> SitrepPage:
    """Archived daily situation reports of your jurisdiction (or of `region`), newest day first."""
    found = selectors.sitrep_list(actor=request_actor(request), region=filters.region)
    page = found[filters.offset : filters.offset + filters.limit]
    return SitrepPage(count=found.count(), items=[sitrep_item(s) for s in page])


@router.post("/sitreps", response={201: SitrepOut, **ERRORS_WRITE})
def sitrep_generate(request: HttpRequest, payload: SitrepIn) -> Status[SitrepOut]:
    """Assemble a region's report of a day (default today) from every module and archive it;
    generating the same day again replaces it."""
    sitrep = services.sitrep_generate(
        actor=request_actor(request), region=payload.region, date=payload.date or clock.today()
    )
    return Status(201, sitrep_out(sitrep))


def _sitrep(request: HttpRequest, region: str, date: str) -> Sitrep:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise sitrep_not_found() from None
    return selectors.sitrep_get(actor=request_actor(request), region=region, date=day)


@router.get("/sitreps/{region}/{date}", response={200: SitrepOut, **ERRORS_READ})
def sitrep_detail(request: HttpRequest, region: str, date: str) -> SitrepOut:
    """One archived report: its sections rendered in your language, and the stored figures."""
    return sitrep_out(_sitrep(request, region, date))


@router.get("/sitreps/{region}/{date}/pdf", response={200: None, **ERRORS_READ})
def sitrep_pdf(request: HttpRequest, region: str, date: str) -> HttpResponse:
    """The report as a printable A4 PDF."""
    sitrep = _sitrep(request, region, date)
    response = HttpResponse(selectors.sitrep_pdf(sitrep), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sitrep-{sitrep.region_id}-{sitrep.date}.pdf"'
    return response


@router.get("/response-levels", response={200: list[ResponsePeriodOut], **ERRORS_READ})
def response_levels(request: HttpRequest) -> list[ResponsePeriodOut]:
    """The province's emergency response levels, oldest first, each with the day it ended."""
    return [
        ResponsePeriodOut(
            level=item.period.level,
            level_label=item.period.get_level_display(),
            start_date=item.period.start_date,
            end_date=item.end_date,
            note=item.period.note,
        )
        for item in response_level_timeline(actor=request_actor(request))
    ]
