"""Problem tickets, support policies and the work calendar (mounted under /api/v1/resumption)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.resumption import policies, tickets
from fangyi.resumption.choices import SlaState
from fangyi.resumption.models import Policy, PolicyApplication, ProblemTicket
from fangyi.resumption.tickets_schemas import (
    CalendarDayOut,
    CalendarFilter,
    CalendarOut,
    CategoryFigures,
    EventOut,
    MatchFilter,
    NoteIn,
    PolicyApplicationFilter,
    PolicyApplicationIn,
    PolicyApplicationOut,
    PolicyApplicationPage,
    PolicyDecisionIn,
    PolicyFilter,
    PolicyIn,
    PolicyMatch,
    PolicyOut,
    PolicyPage,
    PolicyPatch,
    ResolveIn,
    SlaOut,
    TicketCloseIn,
    TicketFilter,
    TicketIn,
    TicketItem,
    TicketOut,
    TicketPage,
    TicketStatsFilter,
    TicketStatsOut,
)

router = Router(tags=["resumption: tickets and policies"])
HOUR = 3600


def ticket_item(ticket: ProblemTicket) -> TicketItem:
    return TicketItem(
        id=ticket.pk,
        enterprise_id=ticket.enterprise_id,
        enterprise_name=ticket.enterprise.name,
        region_code=ticket.enterprise.region.official_code,
        category=ticket.category,
        category_label=ticket.get_category_display(),
        priority=ticket.priority,
        title=ticket.title,
        status=ticket.status,
        status_label=ticket.get_status_display(),
        level=ticket.level,
        level_label=ticket.get_level_display(),
        opened_at=ticket.opened_at,
        due_at=ticket.due_at,
        sla_state=ticket.sla_state,
        sla_label=ticket.get_sla_state_display(),
        sla_checked_at=ticket.sla_checked_at,
        satisfaction=ticket.satisfaction,
    )


def ticket_out(actor: Actor, ticket_id: int) -> TicketOut:
    ticket = tickets.ticket_get(actor=actor, ticket_id=ticket_id)
    sla = tickets.ticket_sla(ticket)
    return TicketOut(
        **ticket_item(ticket).dict(),
        description=ticket.description,
        resolution=ticket.resolution,
        resolved_at=ticket.resolved_at,
        sla=SlaOut(
            state=sla.state,
            state_label=str(SlaState(sla.state).label),
            due_at=sla.due_at,
            elapsed_hours=round(sla.elapsed / HOUR, 2),
            target_hours=sla.target / HOUR,
            paused=sla.paused,
        ),
        events=[
            EventOut(
                kind=event.kind,
                kind_label=event.get_kind_display(),
                at=event.at,
                actor=event.actor.username if event.actor else "",
                level=event.level,
                note=event.note,
            )
            for event in tickets.ticket_events(actor=actor, ticket_id=ticket.pk)
        ],
    )


@router.get("/tickets", response={200: TicketPage, **ERRORS_READ})
def ticket_list(request: HttpRequest, filters: Query[TicketFilter]) -> TicketPage:
    """Tickets of the enterprises you may read, soonest deadline first."""
    rows = tickets.ticket_list(
        actor=request_actor(request),
        status=filters.status,
        sla_state=filters.sla_state,
        category=filters.category,
        level=filters.level,
        enterprise_id=filters.enterprise_id,
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return TicketPage(count=rows.count(), items=[ticket_item(t) for t in page])


@router.post("/tickets", response={201: TicketOut, **ERRORS_WRITE})
def ticket_open(request: HttpRequest, payload: TicketIn) -> Status[TicketOut]:
    """Open a ticket for an enterprise (its account, or a liaison stationed there)."""
    actor = request_actor(request)
    ticket = tickets.ticket_open(actor=actor, **payload.dict())
    return Status(201, ticket_out(actor, ticket.pk))


@router.get("/tickets/stats", response={200: TicketStatsOut, **ERRORS_READ})
def ticket_stats(request: HttpRequest, filters: Query[TicketStatsFilter]) -> TicketStatsOut:
    """Open, solved and overdue tickets of a region's enterprises, by category, with the mean
    satisfaction."""
    stats = tickets.ticket_stats(actor=request_actor(request), region=filters.region)
    region = stats.pop("region")
    return TicketStatsOut(
        **{key: value for key, value in stats.items() if key != "by_category"},
        region=region.official_code,
        region_name=region.name,
        by_category=[CategoryFigures(**row) for row in stats["by_category"]],
    )


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS_READ})
def ticket_detail(request: HttpRequest, ticket_id: int) -> TicketOut:
    """The ticket with its timeline and its SLA clock evaluated now."""
    return ticket_out(request_actor(request), ticket_id)


def _act(request: HttpRequest, ticket_id: int, service: Callable[..., Any], **fields: Any) -> TicketOut:
    actor = request_actor(request)
    service(actor=actor, ticket_id=ticket_id, **fields)
    return ticket_out(actor, ticket_id)


@router.post("/tickets/{ticket_id}/note", response={200: TicketOut, **ERRORS_WRITE})
def ticket_note(request: HttpRequest, ticket_id: int, payload: NoteIn) -> TicketOut:
    """A note on the timeline (the enterprise's side or the handler)."""
    return _act(request, ticket_id, tickets.ticket_note, note=payload.note)


@router.post("/tickets/{ticket_id}/wait", response={200: TicketOut, **ERRORS_WRITE})
def ticket_wait(request: HttpRequest, ticket_id: int, payload: NoteIn) -> TicketOut:
    """The handler waits on the enterprise for what the note says: the clock pauses."""
    return _act(request, ticket_id, tickets.ticket_wait, note=payload.note)


@router.post("/tickets/{ticket_id}/resume", response={200: TicketOut, **ERRORS_WRITE})
def ticket_resume(request: HttpRequest, ticket_id: int, payload: NoteIn) -> TicketOut:
    """The enterprise answers: the clock runs again."""
    return _act(request, ticket_id, tickets.ticket_resume, note=payload.note)


@router.post("/tickets/{ticket_id}/escalate", response={200: TicketOut, **ERRORS_WRITE})
def ticket_escalate(request: HttpRequest, ticket_id: int, payload: NoteIn) -> TicketOut:
    """Hand the ticket up a level (county → prefecture → provincial policy group)."""
    return _act(request, ticket_id, tickets.ticket_escalate, note=payload.note)


@router.post("/tickets/{ticket_id}/resolve", response={200: TicketOut, **ERRORS_WRITE})
def ticket_resolve(request: HttpRequest, ticket_id: int, payload: ResolveIn) -> TicketOut:
    """Record the resolution (required): the clock stops."""
    return _act(request, ticket_id, tickets.ticket_resolve, resolution=payload.resolution)


@router.post("/tickets/{ticket_id}/reopen", response={200: TicketOut, **ERRORS_WRITE})
def ticket_reopen(request: HttpRequest, ticket_id: int, payload: NoteIn) -> TicketOut:
    """Not solved after all (before closing): the clock runs again."""
    return _act(request, ticket_id, tickets.ticket_reopen, note=payload.note)


@router.post("/tickets/{ticket_id}/close", response={200: TicketOut, **ERRORS_WRITE})
def ticket_close(request: HttpRequest, ticket_id: int, payload: TicketCloseIn) -> TicketOut:
    """The enterprise closes a resolved ticket with its rating (1–5)."""
    return _act(
        request, ticket_id, tickets.ticket_close, satisfaction=payload.satisfaction, note=payload.note
    )


# Policies ----------------------------------------------------------------------------------------


def policy_out(policy: Policy) -> PolicyOut:
    return PolicyOut(
        id=policy.pk,
        code=policy.code,
        title=policy.title,
        kind=policy.kind,
        kind_label=policy.get_kind_display(),
        summary=policy.summary,
        issuer_code=policy.issuer.official_code,
        issuer_name=policy.issuer.name,
        industries=list(policy.industries),
        large_scale_only=policy.large_scale_only,
        small_only=policy.small_only,
        key_project_only=policy.key_project_only,
        max_workforce=policy.max_workforce,
        valid_from=policy.valid_from,
        valid_until=policy.valid_until,
        active=policy.active,
    )


def application_out(application: PolicyApplication) -> PolicyApplicationOut:
    return PolicyApplicationOut(
        id=application.pk,
        policy_id=application.policy_id,
        policy_code=application.policy.code,
        policy_title=application.policy.title,
        enterprise_id=application.enterprise_id,
        enterprise_name=application.enterprise.name,
        amount_requested=application.amount_requested,
        note=application.note,
        submitted_at=application.submitted_at,
        status=application.status,
        status_label=application.get_status_display(),
        amount_granted=application.amount_granted,
        decided_at=application.decided_at,
        outcome_note=application.outcome_note,
    )


@router.get("/policies", response={200: PolicyPage, **ERRORS_READ})
def policy_list(request: HttpRequest, filters: Query[PolicyFilter]) -> PolicyPage:
    """The catalogue: policies of your regions and of the regions above them."""
    rows = policies.policy_list(
        actor=request_actor(request), kind=filters.kind, active=filters.active, q=filters.q
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return PolicyPage(count=rows.count(), items=[policy_out(p) for p in page])


@router.post("/policies", response={201: PolicyOut, **ERRORS_WRITE})
def policy_create(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    """Add a policy to the catalogue of a region in your jurisdiction."""
    actor = request_actor(request)
    policy = policies.policy_create(actor=actor, **payload.dict())
    return Status(201, policy_out(policies.policy_get(actor=actor, policy_id=policy.pk)))


@router.get("/policies/{policy_id}", response={200: PolicyOut, **ERRORS_READ})
def policy_detail(request: HttpRequest, policy_id: int) -> PolicyOut:
    return policy_out(policies.policy_get(actor=request_actor(request), policy_id=policy_id))


@router.patch("/policies/{policy_id}", response={200: PolicyOut, **ERRORS_WRITE})
def policy_update(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> PolicyOut:
    """Change the fields sent (`active: false` withdraws the policy from matching)."""
    actor = request_actor(request)
    policies.policy_update(actor=actor, policy_id=policy_id, **payload.dict(exclude_unset=True))
    return policy_out(policies.policy_get(actor=actor, policy_id=policy_id))


@router.get("/enterprises/{enterprise_id}/policy-matches", response={200: list[PolicyMatch], **ERRORS_READ})
def policy_matches(
    request: HttpRequest, enterprise_id: int, filters: Query[MatchFilter]
) -> list[PolicyMatch]:
    """The policies the enterprise may apply for, each with why it fits."""
    matches = policies.policy_matches(
        actor=request_actor(request), enterprise_id=enterprise_id, on=filters.on
    )
    return [PolicyMatch(policy=policy_out(policy), reasons=reasons) for policy, reasons in matches]


@router.post("/policy-applications", response={201: PolicyApplicationOut, **ERRORS_WRITE})
def policy_apply(request: HttpRequest, payload: PolicyApplicationIn) -> Status[PolicyApplicationOut]:
    """Apply for a policy for an enterprise (its account or a liaison stationed there)."""
    application = policies.policy_apply(actor=request_actor(request), **payload.dict())
    return Status(201, application_out(application))


@router.get("/policy-applications", response={200: PolicyApplicationPage, **ERRORS_READ})
def policy_application_list(
    request: HttpRequest, filters: Query[PolicyApplicationFilter]
) -> PolicyApplicationPage:
    rows = policies.policy_application_list(
        actor=request_actor(request),
        status=filters.status,
        enterprise_id=filters.enterprise_id,
        policy_id=filters.policy_id,
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return PolicyApplicationPage(count=rows.count(), items=[application_out(a) for a in page])


@router.post(
    "/policy-applications/{application_id}/decide", response={200: PolicyApplicationOut, **ERRORS_WRITE}
)
def policy_decide(
    request: HttpRequest, application_id: int, payload: PolicyDecisionIn
) -> PolicyApplicationOut:
    """Grant (with the amount) or refuse (with the reason)."""
    application = policies.policy_decide(
        actor=request_actor(request), application_id=application_id, **payload.dict()
    )
    return application_out(application)


@router.post(
    "/policy-applications/{application_id}/withdraw", response={200: PolicyApplicationOut, **ERRORS_WRITE}
)
def policy_withdraw(request: HttpRequest, application_id: int) -> PolicyApplicationOut:
    application = policies.policy_application_withdraw(
        actor=request_actor(request), application_id=application_id
    )
    return application_out(application)


# The work calendar -------------------------------------------------------------------------------


@router.get("/calendar", response={200: CalendarOut, **ERRORS_READ})
def calendar(request: HttpRequest, filters: Query[CalendarFilter]) -> CalendarOut:
    """The official exceptions to the Monday–Friday week of a year, and its working days."""
    request_actor(request)
    first, end = dt.date(filters.year, 1, 1), dt.date(filters.year + 1, 1, 1)
    return CalendarOut(
        year=filters.year,
        working_days=tickets.work_calendar().working_days_between(first, end),
        exceptions=[
            CalendarDayOut(date=day.date, working=day.working, name=day.name)
            for day in tickets.calendar_year(filters.year)
        ],
    )
