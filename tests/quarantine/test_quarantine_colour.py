"""Observation feeds the health code: yellow while observed, red with a fever referral, green once
released (observation does not hold the colour), and check-ins count as the days release needs."""

import datetime as dt

import pytest
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import events
from fangyi.healthpass import selectors as healthpass_selectors
from fangyi.healthpass import services as healthpass
from fangyi.healthpass.models import ColourChange, ColourState
from fangyi.healthpass.reasons import reason_text
from fangyi.labs import services as labs
from fangyi.quarantine import services
from fangyi.quarantine.events import FeverReported, ObservationEnded, ObservationStarted
from fangyi.surveillance import services as surveillance

D = dt.date
TODAY = D(2020, 2, 10)  # the `morning` fixture's day
pytestmark = pytest.mark.usefixtures("morning")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def state_of(person) -> ColourState:
    return ColourState.objects.get(person=person)


def test_the_health_code_reacts_to_observation_events():
    for event in (ObservationStarted, ObservationEnded, FeverReported):
        assert events._handlers[event.name], event.name


@pytest.mark.usefixtures("immediate_tasks")
def test_observation_is_yellow_until_released_and_then_green(
    official, resident, observe, at, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        period = observe(resident, days_ago=1, kind="monitoring")
    state = state_of(resident)
    assert (state.colour, state.reason_code) == ("yellow", "observation")
    assert state.reason_params == {"kind": "monitoring", "date": "2020-02-10", "due": "2020-02-23"}
    change = ColourChange.objects.get(person=resident)
    assert change.evidence == [{"type": "observation", "id": str(period.pk), "kind": "monitoring"}]
    with translation.override("en"):
        assert reason_text(state.reason_code, state.reason_params) == (
            "Health monitoring only since 2020-02-10, until at least 2020-02-23"
        )
    with at(D(2020, 2, 23)), django_capture_on_commit_callbacks(execute=True):
        lab = make_user(Role.LAB_STAFF, "430102")
        labs.result_report(
            actor=lab, person_id=resident.pk, result="negative", sampled_on=D(2020, 2, 22), lab="疾控"
        )
        healthpass.colours_refresh(person_ids=[resident.pk])
        assert state_of(resident).colour == "yellow"  # due, but not yet released
        services.observation_release(actor=official, period_id=period.pk)
    state = state_of(resident)
    assert (state.colour, state.reason_code) == ("green", "clear")
    reasons = list(
        ColourChange.objects.filter(person=resident).order_by("at").values_list("to_colour", "reason_code")
    )
    assert reasons == [("yellow", "observation"), ("green", "clear")]


@pytest.mark.usefixtures("immediate_tasks")
def test_a_fever_at_a_check_in_turns_the_code_red(resident, observe, django_capture_on_commit_callbacks):
    period = observe(resident)
    healthpass.colours_refresh(person_ids=[resident.pk])
    assert state_of(resident).colour == "yellow"
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_record(actor=resident.user, period_id=period.pk, temperature="38.2")
    state = state_of(resident)
    assert (state.colour, state.reason_code) == ("red", "referral")


def test_a_cancelled_period_never_counted(official, resident, observe):
    period = observe(resident)
    services.observation_end(actor=official, period_id=period.pk, status="cancelled", note="录入错误")
    healthpass.colours_refresh(person_ids=[resident.pk])
    assert state_of(resident).colour == "green"
    assert not ColourChange.objects.filter(person=resident).exists()


def test_observation_check_ins_count_as_check_in_days(official, resident, observe, at):
    period = observe(resident)
    services.checkin_record(actor=official, period_id=period.pk, temperature="36.5")
    with at(TODAY, 15):
        services.checkin_record(actor=official, period_id=period.pk, temperature="36.6")
    with at(TODAY + dt.timedelta(days=1)):
        services.checkin_record(actor=resident.user, period_id=period.pk, temperature="36.4")
    rule_set = healthpass_selectors.rule_set_on(TODAY)
    facts = healthpass_selectors.person_facts([resident.pk], rule_set=rule_set)[str(resident.pk)]
    assert facts.checkin_days == frozenset({TODAY, D(2020, 2, 11)})
    assert [t.reason for t in facts.triggers] == ["observation"]


@pytest.mark.usefixtures("immediate_tasks")
def test_a_cured_case_released_after_observation_check_ins_and_a_test(
    resident, at, make_user, django_capture_on_commit_callbacks
):
    """Check-ins made while observed after discharge count towards the red code's release."""
    case = surveillance.case_report(
        actor=None,
        person_id=resident.pk,
        classification="suspected",
        report_date=D(2020, 1, 20),
        residence="430102001001",
        reporting_unit="湘雅医院",
    )
    surveillance.case_confirm(actor=None, case_id=case.pk, date=D(2020, 1, 22), method="nucleic_acid")
    surveillance.case_record_outcome(actor=None, case_id=case.pk, outcome="cured", date=TODAY)
    manager = make_user(Role.COUNTY_OFFICIAL, "430102")
    period = services.observation_start(
        actor=manager, person_id=resident.pk, kind="home", source="other", last_exposure_on=TODAY
    )
    for day in range(14):
        with at(TODAY + dt.timedelta(days=day)):
            services.checkin_record(actor=resident.user, period_id=period.pk, temperature="36.5")
    with at(D(2020, 2, 24)), django_capture_on_commit_callbacks(execute=True):
        labs.result_report(
            actor=make_user(Role.LAB_STAFF, "430102"),
            person_id=resident.pk,
            result="negative",
            sampled_on=D(2020, 2, 23),
            lab="疾控",
        )
        services.observation_release(actor=manager, period_id=period.pk)
    assert state_of(resident).colour == "green"
