"""Medical observation: periods by the protocol's rule, sites, check-ins, alerts and release."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent, EventRecord
from fangyi.labs import services as labs
from fangyi.labs.models import Referral
from fangyi.quarantine import selectors, services
from fangyi.quarantine.choices import AlertKind
from fangyi.quarantine.models import Alert, CheckIn, ObservationPeriod, Protocol, Site

D = dt.date
VILLAGE, OTHER_VILLAGE = "430102001001", "430103002001"  # in 芙蓉区 and 天心区, Changsha
TODAY = D(2020, 2, 10)  # the `morning` fixture's day
pytestmark = pytest.mark.usefixtures("morning")


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.code
    return caught.value


@pytest.fixture
def site(official):
    return services.site_create(
        actor=official, name="芙蓉宾馆", kind="hotel", region="430102", address="五一大道 1 号", rooms=1
    )


# Starting observation -----------------------------------------------------------------------------


def test_observation_runs_the_protocols_days_from_the_last_exposure(official, resident):
    period = services.observation_start(
        actor=official, person_id=resident.pk, kind="home", source="gate", last_exposure_on=D(2020, 2, 7)
    )
    assert (period.starts_on, period.due_on, period.status) == (TODAY, D(2020, 2, 21), "active")
    assert (period.region_id, period.protocol.version, period.created_by) == (VILLAGE, "2020", official)
    audit = AuditEvent.objects.get(action="observation.start", object_id=str(period.pk))
    assert audit.data["due_on"] == "2020-02-21"
    assert EventRecord.objects.filter(
        name="quarantine.observation_started",
        payload={"person_id": str(resident.pk), "period_id": str(period.pk)},
    ).exists()


def test_a_later_protocol_edition_sets_the_days_of_new_periods(official, resident, resident_of):
    earlier = services.observation_start(
        actor=official, person_id=resident.pk, kind="home", source="gate", last_exposure_on=D(2020, 2, 9)
    )
    Protocol.objects.create(
        version="2020-02",
        name="第五版",
        effective_from=D(2020, 2, 10),
        observation_days=10,
        contact_window_days=2,
    )
    later = services.observation_start(
        actor=official, person_id=resident_of().pk, kind="home", source="gate", last_exposure_on=D(2020, 2, 9)
    )
    earlier.refresh_from_db()
    assert (earlier.due_on, later.due_on, later.protocol.version) == (
        D(2020, 2, 23),
        D(2020, 2, 19),
        "2020-02",
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "hotel"}, "observation.invalid_kind"),
        ({"source": "rumour"}, "observation.invalid_source"),
        ({"last_exposure_on": D(2020, 2, 11)}, "observation.date_in_future"),
        ({"last_exposure_on": D(2020, 1, 27)}, "observation.already_served"),
        ({"kind": "centralised"}, "observation.site_required"),
        ({"room": "101"}, "observation.site_not_centralised"),
        ({"room": "1" * 17}, "observation.room_too_long"),
    ],
)
def test_bad_input_is_refused_and_leaves_nothing_behind(official, resident, fields, code):
    arguments = {"kind": "home", "source": "gate", "last_exposure_on": D(2020, 2, 9), **fields}
    error = refused(code, services.observation_start, actor=official, person_id=resident.pk, **arguments)
    assert error.status == 400 and error.field
    assert not ObservationPeriod.objects.exists()
    assert not AuditEvent.objects.filter(action="observation.start").exists()
    assert not EventRecord.objects.filter(name="quarantine.observation_started").exists()


def test_an_active_period_is_not_doubled(official, resident, observe):
    observe(resident)
    error = refused("observation.overlaps", observe, resident, days_ago=0)
    assert error.status == 409
    assert ObservationPeriod.objects.filter(person=resident).count() == 1
    assert AuditEvent.objects.filter(action="observation.start").count() == 1


def test_a_past_period_whose_dates_overlap_is_refused_but_an_adjacent_one_is_not(official, resident, observe):
    period = observe(resident)
    services.observation_end(actor=official, period_id=period.pk, status="to_treatment", note="确诊")
    ObservationPeriod.objects.filter(pk=period.pk).update(ended_on=D(2020, 2, 12))  # ended after today
    refused("observation.overlaps", observe, resident)
    ObservationPeriod.objects.filter(pk=period.pk).update(ended_on=TODAY)  # ended today: no overlap
    assert observe(resident).status == "active"


def test_a_period_entered_in_error_does_not_block_a_new_one(official, resident, observe):
    period = observe(resident)
    services.observation_end(actor=official, period_id=period.pk, status="cancelled", note="录入错误")
    assert observe(resident).status == "active"


def test_observation_outside_the_jurisdiction_is_not_found(official, resident_of, make_user):
    stranger = resident_of(region=OTHER_VILLAGE)
    refused(
        "person.not_found",
        services.observation_start,
        actor=official,
        person_id=stranger.pk,
        kind="home",
        source="gate",
        last_exposure_on=D(2020, 2, 9),
    )
    with pytest.raises(PermissionDenied):
        services.observation_start(
            actor=make_user(Role.CHECKPOINT_STAFF, "430102"),
            person_id=stranger.pk,
            kind="home",
            source="gate",
            last_exposure_on=D(2020, 2, 9),
        )


# Sites --------------------------------------------------------------------------------------------


def test_a_full_site_takes_nobody_more(official, site, resident, resident_of, observe):
    period = observe(resident, kind="centralised", site_id=site.pk, room="301")
    assert (period.site, period.room) == (site, "301")
    second = resident_of()
    error = refused("observation.site_full", observe, second, kind="centralised", site_id=site.pk)
    assert error.status == 409 and not ObservationPeriod.objects.filter(person=second).exists()
    services.site_update(actor=official, site_id=site.pk, rooms=2)
    assert observe(second, kind="centralised", site_id=site.pk).site == site
    refused("site.rooms_below_occupancy", services.site_update, actor=official, site_id=site.pk, rooms=1)
    refused("site.invalid_rooms", services.site_update, actor=official, site_id=site.pk, rooms=0)
    assert Site.objects.get(pk=site.pk).rooms == 2


def test_a_site_out_of_use_takes_nobody(official, site, resident, observe):
    services.site_update(actor=official, site_id=site.pk, active=False)
    refused("observation.site_inactive", observe, resident, kind="centralised", site_id=site.pk)


def test_a_site_is_used_for_centralised_observation_only(official, site, resident, observe):
    refused("observation.site_not_centralised", observe, resident, kind="home", site_id=site.pk)


def test_sites_are_checked(official, outsider, site):
    refused(
        "site.duplicate",
        services.site_create,
        actor=official,
        name="芙蓉宾馆",
        kind="hotel",
        region="430102",
        address="",
        rooms=10,
    )
    refused(
        "site.invalid_rooms",
        services.site_create,
        actor=official,
        name="新宾馆",
        kind="hotel",
        region="430102",
        address="",
        rooms=0,
    )
    refused(
        "site.invalid_kind",
        services.site_create,
        actor=official,
        name="新宾馆",
        kind="tent",
        region="430102",
        address="",
        rooms=5,
    )
    refused(
        "region.not_found",
        services.site_create,
        actor=official,
        name="新宾馆",
        kind="hotel",
        region="430103",
        address="",
        rooms=5,
    )
    refused("site.not_found", services.site_update, actor=outsider, site_id=site.pk, rooms=5)


def test_a_county_may_use_a_site_its_prefecture_runs(official, resident, observe, make_user):
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    site = services.site_create(
        actor=prefecture, name="长沙集中观察点", kind="facility", region="430100", address="", rooms=50
    )
    assert observe(resident, kind="centralised", site_id=site.pk).site == site


# Check-ins ----------------------------------------------------------------------------------------


def test_staff_and_the_resident_check_in_once_per_slot(at, official, resident, observe):
    period = observe(resident)
    by_staff = services.checkin_record(actor=official, period_id=period.pk, temperature="36.55")
    assert (by_staff.date, by_staff.slot, by_staff.temperature) == (TODAY, "am", Decimal("36.6"))
    assert by_staff.recorded_by == official and not by_staff.fever
    error = refused(
        "checkin.duplicate",
        services.checkin_record,
        actor=resident.user,
        period_id=period.pk,
        temperature="36.5",
    )
    assert error.status == 409
    refused(
        "checkin.slot_not_yet",
        services.checkin_record,
        actor=resident.user,
        period_id=period.pk,
        temperature="36.5",
        slot="pm",
    )
    with at(TODAY, 15):
        own = services.checkin_record(actor=resident.user, period_id=period.pk, temperature=Decimal("36.4"))
    assert (own.slot, own.recorded_by) == ("pm", None)
    assert services.checkin_own_period(resident) == period
    assert CheckIn.objects.filter(period=period).count() == 2


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"temperature": "33.9"}, "checkin.invalid_temperature"),
        ({"temperature": "43.1"}, "checkin.invalid_temperature"),
        ({"temperature": "hot"}, "checkin.invalid_temperature"),
        ({"temperature": "NaN"}, "checkin.invalid_temperature"),
        ({"slot": "noon"}, "checkin.invalid_slot"),
        ({"symptoms": "咳" * 257}, "checkin.symptoms_too_long"),
    ],
)
def test_bad_check_ins_are_refused(official, resident, observe, fields, code):
    period = observe(resident)
    refused(
        code,
        services.checkin_record,
        actor=official,
        period_id=period.pk,
        **{"temperature": "36.5", **fields},
    )
    assert not CheckIn.objects.exists() and not AuditEvent.objects.filter(action="checkin.record").exists()


def test_a_released_or_ended_person_is_not_checked_in(official, resident, observe):
    period = observe(resident)
    services.observation_end(actor=official, period_id=period.pk, status="cancelled", note="录入错误")
    error = refused(
        "checkin.not_under_observation",
        services.checkin_record,
        actor=resident.user,
        period_id=period.pk,
        temperature="36.5",
    )
    assert error.status == 409 and not CheckIn.objects.exists()


def test_nobody_checks_in_for_another_resident(resident, resident_of, observe, outsider, make_user):
    other = resident_of("孙七", login=make_user(Role.RESIDENT, VILLAGE))
    period = observe(other)
    for actor in (resident.user, outsider, make_user(Role.CHECKPOINT_STAFF, "430102")):
        with pytest.raises(NotFound):
            services.checkin_record(actor=actor, period_id=period.pk, temperature="36.5")
    refused(
        "observation.not_found",
        services.checkin_record,
        actor=resident.user,
        period_id="not-a-uuid",
        temperature="36.5",
    )
    assert services.checkin_own_period(resident) is None


def test_a_fever_raises_an_alert_and_a_referral(at, official, resident, observe):
    period = observe(resident)
    checkin = services.checkin_record(actor=resident.user, period_id=period.pk, temperature="37.3")
    assert checkin.fever
    alert = Alert.objects.get(period=period)
    referral = Referral.objects.get(person=resident)
    assert (alert.kind, alert.date, alert.slot, alert.referral_id) == ("fever", TODAY, "am", referral.pk)
    assert (referral.source, referral.temperature, referral.status) == ("check_in", Decimal("37.3"), "open")
    assert EventRecord.objects.filter(name="quarantine.fever_reported").count() == 1
    with at(TODAY, 14):
        assert not services.checkin_record(actor=official, period_id=period.pk, temperature="37.2").fever
    assert Alert.objects.filter(kind="fever").count() == 1


# Missed check-ins ---------------------------------------------------------------------------------


def test_missed_check_ins_raise_one_alert_per_slot(at, official, resident, resident_of, observe):
    with at(TODAY, 8):
        period = observe(resident)
        diligent = observe(resident_of())
    services.checkin_record(actor=official, period_id=diligent.pk, temperature="36.5")
    with at(TODAY, 11, 59):
        assert services.alerts_raise_missed() == 0  # the morning is not over
    with at(TODAY, 12):
        assert services.alerts_raise_missed() == 1
        assert services.alerts_raise_missed() == 0  # idempotent
    with at(TODAY + dt.timedelta(days=1), 13):
        # the afternoon of day one for both, the morning of day two for both
        assert services.alerts_raise_missed() == 4
    slots = set(Alert.objects.filter(period=period).values_list("date", "slot"))
    assert slots == {(TODAY, "am"), (TODAY, "pm"), (D(2020, 2, 11), "am")}
    assert selectors.summary("430102", D(2020, 2, 11))["overdue_checkins"] == 5


def test_a_period_entered_after_the_deadline_is_not_alerted_for_it(at, official, resident, observe):
    with at(TODAY, 13):
        observe(resident)
        assert services.alerts_raise_missed() == 0


def test_the_daily_command_raises_the_alerts(at, official, resident, observe):
    observe(resident)
    out = io.StringIO()
    with at(TODAY, 21):
        call_command("quarantine_daily", "--now", stdout=out)
    assert Alert.objects.filter(kind=AlertKind.MISSED_CHECKIN).count() == 2
    assert "2" in out.getvalue()


def test_an_alert_is_resolved_once_with_a_note(at, official, resident, observe, outsider, make_user):
    observe(resident)
    with at(TODAY, 13):
        services.alerts_raise_missed()
    alert = Alert.objects.get()
    refused("alert.not_found", services.alert_resolve, actor=outsider, alert_id=alert.pk, note="已电话联系")
    refused("alert.note_required", services.alert_resolve, actor=official, alert_id=alert.pk, note=" ")
    worker = make_user(Role.GRID_WORKER, VILLAGE)
    resolved = services.alert_resolve(actor=worker, alert_id=alert.pk, note="已电话联系，体温正常")
    assert resolved.resolved_by == worker and resolved.resolved_at is not None
    refused("alert.already_resolved", services.alert_resolve, actor=official, alert_id=alert.pk, note="再次")


# Release ------------------------------------------------------------------------------------------


def test_release_needs_the_days_served_and_a_negative_test(at, official, resident, observe, make_user):
    period = observe(resident, days_ago=1)  # due 2020-02-23
    error = refused("observation.not_due", services.observation_release, actor=official, period_id=period.pk)
    assert error.status == 409
    lab = make_user(Role.LAB_STAFF, "430102")
    due = D(2020, 2, 23)
    with at(due):
        labs.result_report(
            actor=lab, person_id=resident.pk, result="negative", sampled_on=D(2020, 2, 20), lab="疾控"
        )
        refused(
            "observation.test_required", services.observation_release, actor=official, period_id=period.pk
        )
        labs.result_report(
            actor=lab, person_id=resident.pk, result="negative", sampled_on=D(2020, 2, 21), lab="疾控"
        )
        released = services.observation_release(actor=official, period_id=period.pk, note="期满解除")
    assert (released.status, released.ended_on, released.ended_by) == ("released", due, official)
    assert (
        EventRecord.objects.filter(name="quarantine.observation_ended").get().payload["status"] == "released"
    )
    refused("observation.not_active", services.observation_release, actor=official, period_id=period.pk)
    with at(due, 15):
        error = refused(
            "checkin.not_under_observation",
            services.checkin_record,
            actor=resident.user,
            period_id=period.pk,
            temperature="36.5",
        )
    assert error.status == 409 and not CheckIn.objects.filter(period=period).exists()


def test_release_without_a_test_where_the_protocol_does_not_ask(at, official, resident, observe):
    period = observe(resident, days_ago=13)
    Protocol.objects.filter(pk=period.protocol_id).update(negative_test_required=False)
    with at(TODAY + dt.timedelta(days=1)):
        assert services.observation_release(actor=official, period_id=period.pk).status == "released"


def test_ending_early_needs_a_known_status_and_a_note(official, outsider, resident, observe):
    period = observe(resident)
    refused(
        "observation.invalid_end_status",
        services.observation_end,
        actor=official,
        period_id=period.pk,
        status="released",
        note="x",
    )
    refused(
        "observation.note_required",
        services.observation_end,
        actor=official,
        period_id=period.pk,
        status="cancelled",
        note="",
    )
    refused(
        "observation.not_found",
        services.observation_end,
        actor=outsider,
        period_id=period.pk,
        status="cancelled",
        note="x",
    )
    period.refresh_from_db()
    assert period.status == "active" and not AuditEvent.objects.filter(action="observation.end").exists()


# Summary ------------------------------------------------------------------------------------------


def test_summary_counts_a_regions_observation(at, official, site, resident, resident_of, observe, make_user):
    observe(resident, kind="centralised", site_id=site.pk)
    at_home = observe(resident_of())
    observe(resident_of(), kind="monitoring")
    released = observe(resident_of(), days_ago=13)
    Protocol.objects.filter(pk=released.protocol_id).update(negative_test_required=False)
    services.checkin_record(actor=official, period_id=at_home.pk, temperature="38.0")
    assert selectors.summary("430102", TODAY) == {
        "under_observation": 4,
        "released": 0,
        "overdue_checkins": 0,
        "fever_alerts": 1,
        "by_kind": {"home": 2, "centralised": 1, "monitoring": 1},
    }
    tomorrow = TODAY + dt.timedelta(days=1)
    with at(tomorrow, 13):
        services.observation_release(actor=official, period_id=released.pk)
        services.alerts_raise_missed()
    figures = selectors.summary("43", tomorrow)
    assert (figures["under_observation"], figures["released"], figures["fever_alerts"]) == (3, 1, 0)
    assert figures["overdue_checkins"] == 3 * 2 + 1 * 2  # three for two slots, the feverish one's pm and am
    assert selectors.summary("430103", TODAY)["under_observation"] == 0
    assert selectors.summary("430102", D(2020, 2, 9))["under_observation"] == 0
