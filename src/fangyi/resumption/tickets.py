"""Problem tickets (一企一策): what an enterprise cannot solve alone, worked by the county, then the
prefecture, then the provincial policy group, against a working-day SLA.

Every step appends a TicketEvent; the SLA state is computed from that log (fangyi.resumption.sla)
and cached on the ticket (`due_at`, `sla_state`, `sla_checked_at`) for lists and the daily check.
The enterprise side (its accounts and the liaisons stationed at it) opens, answers, reopens and
closes; handlers (officials holding resumption.manage at the ticket's level) wait, escalate and
resolve; other officials of the jurisdiction read.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers
from fangyi.core.errors import NotFound
from fangyi.core.models import AuditEvent
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.resumption.choices import (
    SlaState,
    TicketCategory,
    TicketEventKind,
    TicketLevel,
    TicketPriority,
    TicketStatus,
)
from fangyi.resumption.errors import ResumptionError, conflict, invalid, not_found, text_too_long
from fangyi.resumption.models import ProblemTicket, TicketEvent, WorkCalendarDay
from fangyi.resumption.selectors import MANAGE, enterprise_for_action, enterprises_visible, stats_region
from fangyi.resumption.sla import Calendar, Evaluation, at_risk_bound, evaluate

TITLE_MAX = 128
TEXT_MAX = 4000
BATCH = 1000
STREAM_CHUNK = 5000
# How many characters of the region path name the handling region at each level.
LEVEL_PATH = {TicketLevel.COUNTY: 6, TicketLevel.PREFECTURE: 4, TicketLevel.PROVINCE: 2}
NEXT_LEVEL = {TicketLevel.COUNTY: TicketLevel.PREFECTURE, TicketLevel.PREFECTURE: TicketLevel.PROVINCE}
ACTIVE = (TicketStatus.OPEN, TicketStatus.WAITING)
SOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_not_found() -> NotFound:
    return not_found("ticket.not_found", _("No such ticket."), "ticket_id")


def _not_handler(ticket: ProblemTicket) -> ResumptionError:
    return ResumptionError(
        "ticket.not_handler",
        _("This ticket is handled at the %(level)s level."),
        field="ticket_id",
        status=403,
        level=TicketLevel(ticket.level).label,
    )


# The calendar and the clock ----------------------------------------------------------------------


def work_calendar() -> Calendar:
    """The working-day calendar from its official exceptions (holidays, weekend days worked)."""
    return Calendar.from_rows(WorkCalendarDay.objects.values_list("date", "working"))


def calendar_year(year: int) -> list[WorkCalendarDay]:
    return list(WorkCalendarDay.objects.filter(date__year=year).order_by("date"))


def ticket_evaluate(
    events: Iterable[tuple[str, dt.datetime]],
    priority: str,
    *,
    now: dt.datetime,
    calendar: Calendar,
) -> Evaluation:
    return evaluate(
        list(events),
        priority=priority,
        now=now,
        calendar=calendar,
        sla_days=settings.FANGYI_TICKET_SLA_DAYS,
        at_risk_share=settings.FANGYI_TICKET_AT_RISK_SHARE,
    )


def _events_of(ticket: ProblemTicket) -> list[tuple[str, dt.datetime]]:
    return list(ticket.events.order_by("at", "id").values_list("kind", "at"))


def ticket_sla(ticket: ProblemTicket, *, now: dt.datetime | None = None) -> Evaluation:
    """The ticket's SLA evaluation now, from its event log."""
    return ticket_evaluate(
        _events_of(ticket), ticket.priority, now=now or clock.now(), calendar=work_calendar()
    )


def _store(ticket: ProblemTicket, evaluation: Evaluation, moment: dt.datetime) -> None:
    ticket.due_at, ticket.sla_state, ticket.sla_checked_at = evaluation.due_at, evaluation.state, moment


# Who may act on a ticket -------------------------------------------------------------------------


def level_path(ticket: ProblemTicket) -> str:
    """The region handling the ticket: the enterprise's county, prefecture or the province."""
    return ticket.enterprise.region_id[: LEVEL_PATH[TicketLevel(ticket.level)]]


def is_handler(actor: Actor | None, ticket: ProblemTicket) -> bool:
    return covers(actor, MANAGE, level_path(ticket))


def _visible(actor: Actor, ticket: ProblemTicket) -> bool:
    return enterprises_visible(actor=actor).filter(pk=ticket.enterprise_id).exists()


def _locked(actor: Actor, ticket_id: Any) -> ProblemTicket:
    """The ticket, locked, if the actor may see it at all (404 otherwise)."""
    rows = ProblemTicket.objects.select_for_update(of=("self",)).select_related("enterprise")
    ticket = row_by_key(rows, ticket_id)
    if ticket is None or not _visible(actor, ticket):
        raise ticket_not_found()
    return ticket


def _for_enterprise(actor: Actor, ticket_id: Any) -> ProblemTicket:
    """A ticket the actor acts on for its enterprise (its account, or a liaison stationed there)."""
    rows = ProblemTicket.objects.select_for_update(of=("self",)).select_related("enterprise")
    ticket = row_by_key(rows, ticket_id)
    if ticket is None:
        raise ticket_not_found()
    try:
        enterprise_for_action(actor=actor, enterprise_id=ticket.enterprise_id)
    except NotFound:
        raise ticket_not_found() from None
    return ticket


def _for_handler(actor: Actor, ticket_id: Any) -> ProblemTicket:
    ticket = _locked(actor, ticket_id)
    if not is_handler(actor, ticket):
        raise _not_handler(ticket)
    return ticket


def _for_either(actor: Actor, ticket_id: Any) -> ProblemTicket:
    ticket = _locked(actor, ticket_id)
    if is_handler(actor, ticket):
        return ticket
    return _for_enterprise(actor, ticket.pk)


# Input -------------------------------------------------------------------------------------------


def _text(value: Any, code: str, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise invalid(f"{code}_required", _("This field is required."), field)
    if len(text) > limit:
        raise text_too_long(f"{code}_too_long", field, limit)
    return text


def _choice(value: Any, choices: type[TicketCategory] | type[TicketPriority], code: str, field: str) -> str:
    if value not in choices.values:
        raise invalid(code, _("Choose one of: %(choices)s."), field, choices=", ".join(choices.values))
    return str(value)


def _require_status(ticket: ProblemTicket, allowed: tuple[str, ...], code: str) -> None:
    if ticket.status not in allowed:
        raise conflict(
            code,
            _("Not possible while the ticket is “%(state)s”."),
            "ticket_id",
            state=TicketStatus(ticket.status).label,
        )


# Services ----------------------------------------------------------------------------------------


def _step(
    actor: Actor | None,
    ticket: ProblemTicket,
    kind: str,
    *,
    note: str = "",
    moment: dt.datetime | None = None,
    **data: Any,
) -> ProblemTicket:
    """Append the event, re-evaluate the SLA from the whole log and save, with the audit record."""
    moment = moment or clock.now()
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=moment,
        actor_id=getattr(actor, "pk", None),
        level=ticket.level,
        note=note,
    )
    evaluation = ticket_evaluate(_events_of(ticket), ticket.priority, now=moment, calendar=work_calendar())
    _store(ticket, evaluation, moment)
    ticket.save()
    audit_record(
        actor=actor,
        action=f"ticket.{kind}",
        obj=ticket,
        region_path=ticket.enterprise.region_id,
        data={"level": ticket.level, "sla": ticket.sla_state, **({"note": note} if note else {}), **data},
    )
    return ticket


def ticket_open(
    *, actor: Actor, enterprise_id: Any, category: str, priority: str, title: str, description: str
) -> ProblemTicket:
    """Open a ticket for an enterprise (its account or a liaison stationed there); the county
    handles it first and the clock starts."""
    category = _choice(category, TicketCategory, "ticket.invalid_category", "category")
    priority = _choice(priority, TicketPriority, "ticket.invalid_priority", "priority")
    title = _text(title, "ticket.title", "title", TITLE_MAX)
    description = _text(description, "ticket.description", "description", TEXT_MAX)
    with transaction.atomic():
        enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id)
        ticket = ProblemTicket.objects.create(
            enterprise=enterprise,
            category=category,
            priority=priority,
            title=title,
            description=description,
            opened_at=clock.now(),
            opened_by_id=actor.pk,
        )
        return _step(actor, ticket, TicketEventKind.OPENED, moment=ticket.opened_at, category=category)


@transaction.atomic
def ticket_note(*, actor: Actor, ticket_id: Any, note: str) -> ProblemTicket:
    """A note on the ticket's timeline, from either side; the clock is untouched."""
    text = _text(note, "ticket.note", "note", TEXT_MAX)
    return _step(actor, _for_either(actor, ticket_id), TicketEventKind.NOTE, note=text)


@transaction.atomic
def ticket_wait(*, actor: Actor, ticket_id: Any, note: str) -> ProblemTicket:
    """The handler waits on the enterprise (saying for what): the clock pauses."""
    text = _text(note, "ticket.note", "note", TEXT_MAX)
    ticket = _for_handler(actor, ticket_id)
    _require_status(ticket, (TicketStatus.OPEN,), "ticket.not_open")
    ticket.status = TicketStatus.WAITING
    return _step(actor, ticket, TicketEventKind.WAITING, note=text)


@transaction.atomic
def ticket_resume(*, actor: Actor, ticket_id: Any, note: str = "") -> ProblemTicket:
    """The enterprise answers what the handler waited for: the clock runs again."""
    text = str(note or "").strip()
    if len(text) > TEXT_MAX:
        raise text_too_long("ticket.note_too_long", "note", TEXT_MAX)
    ticket = _for_enterprise(actor, ticket_id)
    _require_status(ticket, (TicketStatus.WAITING,), "ticket.not_waiting")
    ticket.status = TicketStatus.OPEN
    return _step(actor, ticket, TicketEventKind.RESUMED, note=text)


@transaction.atomic
def ticket_escalate(*, actor: Actor, ticket_id: Any, note: str) -> ProblemTicket:
    """Hand the ticket up a level (county → prefecture → provincial policy group), saying why;
    the clock keeps running."""
    text = _text(note, "ticket.note", "note", TEXT_MAX)
    ticket = _for_handler(actor, ticket_id)
    _require_status(ticket, ACTIVE, "ticket.not_active")
    higher = NEXT_LEVEL.get(TicketLevel(ticket.level))
    if higher is None:
        raise conflict(
            "ticket.top_level", _("The provincial policy group already handles this ticket."), "ticket_id"
        )
    ticket.level = higher
    return _step(actor, ticket, TicketEventKind.ESCALATED, note=text)


@transaction.atomic
def ticket_resolve(*, actor: Actor, ticket_id: Any, resolution: str) -> ProblemTicket:
    """The handler records how the problem was solved: the clock stops (met or breached)."""
    text = _text(resolution, "ticket.resolution", "resolution", TEXT_MAX)
    ticket = _for_handler(actor, ticket_id)
    _require_status(ticket, ACTIVE, "ticket.not_active")
    ticket.status = TicketStatus.RESOLVED
    ticket.resolution = text
    ticket.resolved_at = clock.now()
    return _step(actor, ticket, TicketEventKind.RESOLVED, note=text, moment=ticket.resolved_at)


@transaction.atomic
def ticket_reopen(*, actor: Actor, ticket_id: Any, note: str) -> ProblemTicket:
    """Not solved after all (either side, before it is closed): the clock runs again."""
    text = _text(note, "ticket.note", "note", TEXT_MAX)
    ticket = _for_either(actor, ticket_id)
    _require_status(ticket, (TicketStatus.RESOLVED,), "ticket.not_resolved")
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = None
    return _step(actor, ticket, TicketEventKind.REOPENED, note=text)


@transaction.atomic
def ticket_close(*, actor: Actor, ticket_id: Any, satisfaction: Any, note: str = "") -> ProblemTicket:
    """The enterprise accepts the resolution and rates it from 1 (poor) to 5 (excellent)."""
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise invalid("ticket.invalid_satisfaction", _("Rate the resolution from 1 to 5."), "satisfaction")
    text = str(note or "").strip()
    if len(text) > TEXT_MAX:
        raise text_too_long("ticket.note_too_long", "note", TEXT_MAX)
    ticket = _for_enterprise(actor, ticket_id)
    if ticket.status != TicketStatus.RESOLVED or not ticket.resolution:
        raise conflict(
            "ticket.not_resolved",
            _("Only a resolved ticket can be closed: the handler has not recorded a resolution."),
            "ticket_id",
        )
    ticket.status = TicketStatus.CLOSED
    ticket.satisfaction = satisfaction
    return _step(actor, ticket, TicketEventKind.CLOSED, note=text, satisfaction=satisfaction)


# The daily check and the full recomputation ------------------------------------------------------


def _due_candidates(moment: dt.datetime, calendar: Calendar) -> Q:
    """Running tickets whose state can have changed since they were last evaluated: on track but
    past their at-risk point, at risk and past their deadline, overdue below the province."""
    crossing = Q()
    for priority in TicketPriority.values:
        bound = at_risk_bound(
            moment,
            priority,
            calendar=calendar,
            sla_days=settings.FANGYI_TICKET_SLA_DAYS,
            at_risk_share=settings.FANGYI_TICKET_AT_RISK_SHARE,
        )
        crossing |= Q(priority=priority, due_at__lt=bound)
    return Q(status=TicketStatus.OPEN) & (
        (Q(sla_state=SlaState.ON_TRACK) & crossing)
        | Q(sla_state=SlaState.AT_RISK, due_at__lte=moment)
        | (Q(sla_state=SlaState.OVERDUE) & ~Q(level=TicketLevel.PROVINCE))
        # A state that cannot belong to a running ticket (written by hand or by an older version).
        | ~Q(sla_state__in=(SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.OVERDUE))
    )


def _grouped(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    for ticket_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        yield ticket_id, list(group)


def tickets_check_daily(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily round: re-evaluate only the running tickets whose state can have changed, and
    move each overdue one up a level (once a day, by the system, with an event). Idempotent."""
    moment = now or clock.now()
    calendar = work_calendar()
    today = moment.astimezone(clock.SHANGHAI).date()
    start_of_day = dt.datetime.combine(today, dt.time(), clock.SHANGHAI)
    ids = list(
        ProblemTicket.objects.filter(_due_candidates(moment, calendar))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts = {"checked": len(ids), "changed": 0, "at_risk": 0, "overdue": 0, "escalated": 0}
    for first in range(0, len(ids), BATCH):
        with transaction.atomic():
            tickets = {
                t.pk: t
                for t in ProblemTicket.objects.select_for_update(of=("self",))
                .select_related("enterprise")
                .filter(pk__in=ids[first : first + BATCH], status=TicketStatus.OPEN)
            }
            escalated_today = set(
                TicketEvent.objects.filter(
                    ticket_id__in=tickets, kind=TicketEventKind.ESCALATED, at__gte=start_of_day
                ).values_list("ticket_id", flat=True)
            )
            events = TicketEvent.objects.filter(ticket_id__in=tickets).order_by("ticket_id", "at", "id")
            changed: list[ProblemTicket] = []
            escalated: list[ProblemTicket] = []
            for ticket_id, rows in _grouped(events.values_list("ticket_id", "kind", "at").iterator()):
                ticket = tickets[ticket_id]
                evaluation = ticket_evaluate(
                    ((kind, at) for _id, kind, at in rows), ticket.priority, now=moment, calendar=calendar
                )
                if (evaluation.state, evaluation.due_at) != (ticket.sla_state, ticket.due_at):
                    counts["changed"] += 1
                counts[evaluation.state] = counts.get(evaluation.state, 0) + 1
                _store(ticket, evaluation, moment)
                if (
                    evaluation.state == SlaState.OVERDUE
                    and ticket.level != TicketLevel.PROVINCE
                    and ticket_id not in escalated_today
                ):
                    # An escalation does not move the clock: the evaluation stands.
                    ticket.level = NEXT_LEVEL[TicketLevel(ticket.level)]
                    escalated.append(ticket)
                changed.append(ticket)
            _write_evaluations(changed)
            _escalations_record(escalated, moment)
            counts["escalated"] += len(escalated)
    return {key: counts.get(key, 0) for key in ("checked", "changed", "at_risk", "overdue", "escalated")}


def _escalations_record(escalated: list[ProblemTicket], moment: dt.datetime) -> None:
    """The daily check's escalations: an event on each ticket and its audit record, in bulk."""
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=t, kind=TicketEventKind.ESCALATED, at=moment, level=t.level) for t in escalated
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=moment,
            action=f"ticket.{TicketEventKind.ESCALATED}",
            object_type=ProblemTicket._meta.label_lower,
            object_id=str(t.pk),
            region_path=t.enterprise.region_id,
            data={"level": t.level, "sla": t.sla_state, "by": "daily check"},
        )
        for t in escalated
    )


def tickets_evaluate_all(*, now: dt.datetime | None = None) -> int:
    """Recompute every ticket's SLA state from its whole event log (streamed in ticket order) and
    store the ones that differ, in batches. Returns how many tickets were evaluated."""
    moment = now or clock.now()
    calendar = work_calendar()
    rows = (
        TicketEvent.objects.order_by("ticket_id", "at", "id")
        .values_list(
            "ticket_id",
            "kind",
            "at",
            "ticket__priority",
            "ticket__due_at",
            "ticket__sla_state",
            "ticket__level",
        )
        .iterator(chunk_size=STREAM_CHUNK)
    )
    evaluated = 0
    pending: list[ProblemTicket] = []
    for ticket_id, events in _grouped(rows):
        _id, _kind, _at, priority, due_at, state, level = events[0]
        evaluation = ticket_evaluate(
            ((kind, at) for _id, kind, at, *_rest in events), priority, now=moment, calendar=calendar
        )
        evaluated += 1
        if (evaluation.state, evaluation.due_at) != (state, due_at):
            pending.append(
                ProblemTicket(
                    pk=ticket_id,
                    due_at=evaluation.due_at,
                    sla_state=evaluation.state,
                    sla_checked_at=moment,
                    level=level,
                )
            )
        if len(pending) == BATCH:
            _flush(pending)
    _flush(pending)
    return evaluated


def _flush(pending: list[ProblemTicket]) -> None:
    if pending:
        with transaction.atomic():
            _write_evaluations(pending)
        pending.clear()


def _write_evaluations(rows: list[ProblemTicket]) -> None:
    """Store the evaluation (and level) of many tickets: one parameterised UPDATE run for every row.
    Django's bulk_update builds a CASE of one When per row and field, which costs some 3 ms of
    Python a ticket — more than evaluating it."""
    if not rows:
        return
    table = connection.ops.quote_name(ProblemTicket._meta.db_table)
    columns = ("due_at", "sla_state", "sla_checked_at", "level")
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s",
            [(adapt(t.due_at), t.sla_state, adapt(t.sla_checked_at), t.level, t.pk) for t in rows],
        )


# Reads -------------------------------------------------------------------------------------------


def ticket_list(
    *,
    actor: Actor,
    status: str | None = None,
    sla_state: str | None = None,
    category: str | None = None,
    level: str | None = None,
    enterprise_id: int | None = None,
) -> QuerySet[ProblemTicket]:
    """The tickets of the enterprises the actor may read, soonest deadline first."""
    tickets = ProblemTicket.objects.filter(enterprise__in=enterprises_visible(actor=actor).values("pk"))
    for field, value in (
        ("status", status),
        ("sla_state", sla_state),
        ("category", category),
        ("level", level),
        ("enterprise_id", enterprise_id),
    ):
        if value is not None and value != "":
            tickets = tickets.filter(**{field: value})
    return tickets.select_related("enterprise__region").order_by("due_at", "-opened_at", "pk")


def ticket_get(*, actor: Actor, ticket_id: Any) -> ProblemTicket:
    ticket = row_by_key(ProblemTicket.objects.select_related("enterprise__region"), ticket_id)
    if ticket is None or not _visible(actor, ticket):
        raise ticket_not_found()
    return ticket


def ticket_events(*, actor: Actor, ticket_id: Any) -> QuerySet[TicketEvent]:
    ticket = ticket_get(actor=actor, ticket_id=ticket_id)
    return ticket.events.select_related("actor").order_by("at", "id")


def ticket_stats(*, actor: Actor, region: str) -> dict[str, Any]:
    """Open, solved and overdue tickets of a region's enterprises, by category, with the mean
    satisfaction of the closed ones."""
    place = stats_region(actor=actor, region=region)
    tickets = ProblemTicket.objects.filter(enterprise__region__code__startswith=place.code)
    open_q, solved_q = Q(status__in=ACTIVE), Q(status__in=SOLVED)
    overdue_q = open_q & Q(sla_state=SlaState.OVERDUE)
    totals = tickets.aggregate(
        open=Count("pk", filter=open_q),
        solved=Count("pk", filter=solved_q),
        overdue=Count("pk", filter=overdue_q),
        at_risk=Count("pk", filter=open_q & Q(sla_state=SlaState.AT_RISK)),
        met=Count("pk", filter=Q(sla_state=SlaState.MET)),
        breached=Count("pk", filter=Q(sla_state=SlaState.BREACHED)),
        satisfaction=Avg("satisfaction"),
    )
    per_category: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in tickets.order_by()
        .values("category")
        .annotate(
            open=Count("pk", filter=open_q),
            solved=Count("pk", filter=solved_q),
            overdue=Count("pk", filter=overdue_q),
        )
    }
    satisfaction = totals.pop("satisfaction")
    return {
        "region": place,
        **totals,
        "satisfaction": round(float(satisfaction), 2) if satisfaction is not None else None,
        "by_category": [
            {
                "category": value,
                "label": str(label),
                **{key: per_category.get(value, {}).get(key, 0) for key in ("open", "solved", "overdue")},
            }
            for value, label in TicketCategory.choices
        ],
    }
