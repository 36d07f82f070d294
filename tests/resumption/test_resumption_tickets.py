"""Problem tickets: who opens, works and closes them, the clock from the event log, escalation, and
bad input refused with nothing written."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.resumption import tickets
from fangyi.resumption.choices import SlaState, TicketEventKind, TicketLevel, TicketStatus
from fangyi.resumption.models import ProblemTicket, TicketEvent

COUNTY = "430102"
# Monday 2 March 2020, 09:00 in Changsha.
MONDAY = dt.datetime(2020, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def at():
    """at(moment): run the block with the clock frozen there."""
    return clock.frozen_at


@pytest.fixture
def prefecture(make_user):
    return make_user(Role.PREFECTURE_OFFICIAL, "4301", username="prefecture-t")


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCIAL_COMMAND, "43", username="province-t")


@pytest.fixture
def township(make_user):
    return make_user(Role.TOWNSHIP_OFFICIAL, "430102001", username="township-t")


@pytest.fixture
def other_county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430103", username="other-county-t")


@pytest.fixture
def ticket(employer, enterprise):
    with clock.frozen_at(MONDAY):
        return tickets.ticket_open(
            actor=employer,
            enterprise_id=enterprise.pk,
            category="labour",
            priority="high",
            title="缺少熟练焊工 30 人",
            description="返岗率不足一半，订单无法交付。",
        )


def _kinds(ticket):
    return list(ticket.events.order_by("at", "id").values_list("kind", flat=True))


def _refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)
    assert raised.value.code == code, raised.value.code
    return raised.value


# Opening ---------------------------------------------------------------------------------------------


def test_open_starts_the_clock_at_the_county(ticket, employer):
    assert ticket.status == TicketStatus.OPEN
    assert ticket.level == TicketLevel.COUNTY
    assert ticket.sla_state == SlaState.ON_TRACK
    # high: 3 working days from Monday 09:00 → Thursday 09:00.
    assert ticket.due_at == dt.datetime(2020, 3, 5, 9, 0, tzinfo=clock.SHANGHAI)
    assert _kinds(ticket) == [TicketEventKind.OPENED]
    assert AuditEvent.objects.filter(action="ticket.opened", object_id=str(ticket.pk)).exists()


def test_a_stationed_liaison_opens_a_ticket(liaison, stationed, enterprise):
    ticket = tickets.ticket_open(
        actor=liaison,
        enterprise_id=enterprise.pk,
        category="materials",
        priority="urgent",
        title="芯片断供",
        description="主要供应商在湖北。",
    )
    assert ticket.opened_by_id == liaison.pk


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("category", "weather", "ticket.invalid_category"),
        ("priority", "whenever", "ticket.invalid_priority"),
        ("title", "  ", "ticket.title_required"),
        ("title", "x" * 129, "ticket.title_too_long"),
        ("description", "", "ticket.description_required"),
    ],
)
def test_bad_tickets_are_refused_with_nothing_written(employer, enterprise, field, value, code):
    fields = {
        "category": "funding",
        "priority": "normal",
        "title": "流动资金缺口",
        "description": "工资发放困难。",
    } | {field: value}
    error = _refused(code, tickets.ticket_open, actor=employer, enterprise_id=enterprise.pk, **fields)
    assert error.status == 400 and error.field == field
    assert not ProblemTicket.objects.exists() and not TicketEvent.objects.exists()


def test_who_may_not_open(make_user, official, liaison, enterprise, other_county):
    fields = {"category": "funding", "priority": "normal", "title": "资金", "description": "缺口"}
    # A liaison of the county not stationed at the enterprise.
    error = _refused(
        "liaison.not_assigned", tickets.ticket_open, actor=liaison, enterprise_id=enterprise.pk, **fields
    )
    assert error.status == 403
    # An official reads but does not open for the enterprise.
    assert _refused(
        "permission_denied", tickets.ticket_open, actor=official, enterprise_id=enterprise.pk, **fields
    )
    # Another county: not found, like an enterprise that does not exist.
    stranger = make_user(Role.EMPLOYER, "430103", username="stranger-employer")
    for actor in (other_county, stranger):
        error = _refused(
            "enterprise.not_found", tickets.ticket_open, actor=actor, enterprise_id=enterprise.pk, **fields
        )
        assert error.status == 404
    _refused("enterprise.not_found", tickets.ticket_open, actor=official, enterprise_id=10**12, **fields)
    assert not ProblemTicket.objects.exists()


# Working a ticket ------------------------------------------------------------------------------------


def test_waiting_pauses_the_clock_and_the_answer_restarts_it(ticket, official, employer):
    with clock.frozen_at(MONDAY + dt.timedelta(hours=3)):
        tickets.ticket_wait(actor=official, ticket_id=ticket.pk, note="请补充用工需求表")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_state, ticket.due_at) == (TicketStatus.WAITING, SlaState.PAUSED, None)
    # Answered a week later: the three days paused do not count.
    with clock.frozen_at(MONDAY + dt.timedelta(days=7, hours=3)):
        tickets.ticket_resume(actor=employer, ticket_id=ticket.pk, note="已上传")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.sla_state == SlaState.ON_TRACK
    assert ticket.due_at == dt.datetime(2020, 3, 12, 9, 0, tzinfo=clock.SHANGHAI)
    assert _kinds(ticket) == ["opened", "waiting", "resumed"]


def test_resolve_then_close_with_the_rating(ticket, official, employer):
    with clock.frozen_at(MONDAY + dt.timedelta(days=1)):
        tickets.ticket_resolve(
            actor=official, ticket_id=ticket.pk, resolution="人社局对接劳务输出县，已到岗 32 人"
        )
        tickets.ticket_close(actor=employer, ticket_id=ticket.pk, satisfaction=5)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_state, ticket.satisfaction) == (TicketStatus.CLOSED, SlaState.MET, 5)
    assert _kinds(ticket) == ["opened", "resolved", "closed"]


def test_resolved_late_is_breached_and_reopening_runs_the_clock(ticket, official, employer):
    with clock.frozen_at(MONDAY + dt.timedelta(days=10)):
        tickets.ticket_resolve(actor=official, ticket_id=ticket.pk, resolution="已协调")
    ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.BREACHED
    with clock.frozen_at(MONDAY + dt.timedelta(days=10, hours=1)):
        tickets.ticket_reopen(actor=employer, ticket_id=ticket.pk, note="仍缺 10 人")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.resolved_at is None
    assert ticket.sla_state == SlaState.OVERDUE


def test_closing_needs_a_resolution_and_a_rating(ticket, official, employer):
    error = _refused(
        "ticket.not_resolved", tickets.ticket_close, actor=employer, ticket_id=ticket.pk, satisfaction=4
    )
    assert error.status == 409
    tickets.ticket_resolve(actor=official, ticket_id=ticket.pk, resolution="已解决")
    for bad in (0, 6, "5", None, True, 4.5):
        error = _refused(
            "ticket.invalid_satisfaction",
            tickets.ticket_close,
            actor=employer,
            ticket_id=ticket.pk,
            satisfaction=bad,
        )
        assert error.status == 400
    _refused(
        "ticket.resolution_required",
        tickets.ticket_resolve,
        actor=official,
        ticket_id=ticket.pk,
        resolution=" ",
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.satisfaction is None
    assert _kinds(ticket) == ["opened", "resolved"]


def test_a_ticket_cannot_be_resolved_without_a_resolution(ticket, official):
    _refused(
        "ticket.resolution_required",
        tickets.ticket_resolve,
        actor=official,
        ticket_id=ticket.pk,
        resolution="",
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.resolution == ""
    assert _kinds(ticket) == ["opened"]


def test_state_conflicts(ticket, official, employer):
    _refused("ticket.not_waiting", tickets.ticket_resume, actor=employer, ticket_id=ticket.pk)
    _refused("ticket.not_resolved", tickets.ticket_reopen, actor=employer, ticket_id=ticket.pk, note="?")
    tickets.ticket_wait(actor=official, ticket_id=ticket.pk, note="等材料")
    _refused("ticket.not_open", tickets.ticket_wait, actor=official, ticket_id=ticket.pk, note="再等")
    tickets.ticket_resolve(actor=official, ticket_id=ticket.pk, resolution="已解决")
    _refused("ticket.not_active", tickets.ticket_escalate, actor=official, ticket_id=ticket.pk, note="上报")
    _refused(
        "ticket.not_active", tickets.ticket_resolve, actor=official, ticket_id=ticket.pk, resolution="再解决"
    )
    assert _kinds(ticket) == ["opened", "waiting", "resolved"]


def test_a_refusal_names_the_state_in_the_language_it_is_read_in(ticket, employer):
    with translation.override("zh-hans"):
        error = _refused("ticket.not_waiting", tickets.ticket_resume, actor=employer, ticket_id=ticket.pk)
    with translation.override("en"):
        assert error.render_message() == "Not possible while the ticket is “Open”."


def test_escalation_moves_the_ticket_to_the_next_handler(ticket, official, prefecture, province):
    tickets.ticket_escalate(actor=official, ticket_id=ticket.pk, note="涉及跨县劳务")
    ticket.refresh_from_db()
    assert ticket.level == TicketLevel.PREFECTURE
    # The county no longer handles it but still reads it.
    error = _refused("ticket.not_handler", tickets.ticket_wait, actor=official, ticket_id=ticket.pk, note="?")
    assert error.status == 403
    assert tickets.ticket_get(actor=official, ticket_id=ticket.pk) == ticket
    tickets.ticket_escalate(actor=prefecture, ticket_id=ticket.pk, note="需省级政策")
    _refused("ticket.top_level", tickets.ticket_escalate, actor=province, ticket_id=ticket.pk, note="?")
    ticket.refresh_from_db()
    assert ticket.level == TicketLevel.PROVINCE
    assert list(ticket.events.filter(kind="escalated").values_list("level", flat=True)) == [
        "prefecture",
        "province",
    ]
    tickets.ticket_resolve(actor=province, ticket_id=ticket.pk, resolution="省政策组协调")


def test_out_of_jurisdiction_and_read_only(
    ticket, other_county, township, liaison, official, prefecture, employer
):
    for actor in (other_county, liaison, township):  # the liaison is not stationed there
        error = _refused("ticket.not_found", tickets.ticket_wait, actor=actor, ticket_id=ticket.pk, note="x")
        assert error.status == 404
        _refused("ticket.not_found", tickets.ticket_get, actor=actor, ticket_id=ticket.pk)
        _refused("ticket.not_found", tickets.ticket_note, actor=actor, ticket_id=ticket.pk, note="x")
        assert list(tickets.ticket_list(actor=actor)) == []
    _refused("ticket.not_found", tickets.ticket_note, actor=official, ticket_id="nonsense", note="x")
    # The enterprise does not resolve its own ticket.
    _refused(
        "ticket.not_handler", tickets.ticket_resolve, actor=employer, ticket_id=ticket.pk, resolution="x"
    )
    # Once the prefecture handles it, the county reads it only.
    tickets.ticket_escalate(actor=official, ticket_id=ticket.pk, note="上报")
    before = _kinds(ticket)
    _refused(
        "ticket.not_handler", tickets.ticket_resolve, actor=official, ticket_id=ticket.pk, resolution="x"
    )
    _refused("permission_denied", tickets.ticket_note, actor=official, ticket_id=ticket.pk, note="x")
    assert _kinds(ticket) == before
    assert list(tickets.ticket_list(actor=official)) == [ticket]
    assert list(tickets.ticket_list(actor=prefecture, level="prefecture")) == [ticket]
    assert list(tickets.ticket_list(actor=prefecture, level="county")) == []


def test_notes_from_either_side(ticket, official, employer):
    tickets.ticket_note(actor=official, ticket_id=ticket.pk, note="已联系人社局")
    tickets.ticket_note(actor=employer, ticket_id=ticket.pk, note="谢谢")
    _refused("ticket.note_required", tickets.ticket_note, actor=employer, ticket_id=ticket.pk, note="")
    assert [e.note for e in tickets.ticket_events(actor=official, ticket_id=ticket.pk)][1:] == [
        "已联系人社局",
        "谢谢",
    ]


# The daily check and the full recomputation ----------------------------------------------------------


def test_daily_check_marks_due_soon_then_escalates_overdue_once_a_day(ticket):
    # Wednesday 10:00: 2 of 3 working days used (< 75 %) → on track, nothing to look at yet.
    with clock.frozen_at(MONDAY + dt.timedelta(days=2, hours=1)):
        assert tickets.tickets_check_daily()["checked"] == 0
    # Wednesday 16:00: past 75 % of the target.
    done = tickets.tickets_check_daily(now=MONDAY + dt.timedelta(days=2, hours=7))
    assert done == {"checked": 1, "changed": 1, "at_risk": 1, "overdue": 0, "escalated": 0}
    ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.AT_RISK
    # Thursday 09:00 and after: overdue, up to the prefecture, once that day.
    thursday = MONDAY + dt.timedelta(days=3, hours=1)
    assert tickets.tickets_check_daily(now=thursday)["escalated"] == 1
    assert tickets.tickets_check_daily(now=thursday + dt.timedelta(hours=2))["escalated"] == 0
    ticket.refresh_from_db()
    assert (ticket.level, ticket.sla_state) == (TicketLevel.PREFECTURE, SlaState.OVERDUE)
    escalation = ticket.events.get(kind="escalated")
    assert escalation.actor is None and escalation.level == TicketLevel.PREFECTURE
    # Friday: to the province; then nothing higher.
    assert tickets.tickets_check_daily(now=thursday + dt.timedelta(days=1))["escalated"] == 1
    assert tickets.tickets_check_daily(now=thursday + dt.timedelta(days=4))["checked"] == 0
    ticket.refresh_from_db()
    assert ticket.level == TicketLevel.PROVINCE


def test_a_paused_ticket_is_not_checked(ticket, official):
    tickets.ticket_wait(actor=official, ticket_id=ticket.pk, note="等材料")
    assert tickets.tickets_check_daily(now=MONDAY + dt.timedelta(days=30))["checked"] == 0


def test_full_recomputation_agrees_with_the_services(ticket, official, employer, enterprise):
    later = MONDAY + dt.timedelta(days=4)
    ProblemTicket.objects.update(sla_state=SlaState.MET, due_at=None)
    assert tickets.tickets_evaluate_all(now=later) == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.OVERDUE
    assert ticket.due_at == dt.datetime(2020, 3, 5, 9, 0, tzinfo=clock.SHANGHAI)
    assert ticket.sla_checked_at == later
    assert tickets.ticket_sla(ticket, now=later).state == SlaState.OVERDUE


def test_tickets_check_command(ticket, capsys):
    with clock.frozen_at(MONDAY + dt.timedelta(days=5)), translation.override("en"):
        call_command("tickets_check", "--full")
    out = capsys.readouterr().out
    assert "1 tickets evaluated" in out and "1 escalated" in out
    ticket.refresh_from_db()
    assert ticket.level == TicketLevel.PREFECTURE


def test_stats(ticket, official, employer, enterprise, other_county):
    tickets.ticket_resolve(actor=official, ticket_id=ticket.pk, resolution="已解决")
    tickets.ticket_close(actor=employer, ticket_id=ticket.pk, satisfaction=4)
    tickets.ticket_open(
        actor=employer,
        enterprise_id=enterprise.pk,
        category="funding",
        priority="low",
        title="贷款",
        description="贴息",
    )
    stats = tickets.ticket_stats(actor=official, region="430102")
    assert (stats["open"], stats["solved"], stats["satisfaction"]) == (1, 1, 4.0)
    by = {row["category"]: row for row in stats["by_category"]}
    assert (by["labour"]["solved"], by["funding"]["open"], by["logistics"]["open"]) == (1, 1, 0)
    _refused("region.not_found", tickets.ticket_stats, actor=other_county, region="430102")
