"""The colour engine, passes, declarations, overrides, appeals and scans, on a real database."""

import datetime as dt
import uuid
import zlib
from decimal import Decimal

import base45
import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError, NotFound
from fangyi.core.models import AuditEvent
from fangyi.healthpass import offline, selectors, services
from fangyi.healthpass.models import ColourChange, ColourState, Revocation, Scan, ScanTally
from fangyi.labs import services as labs
from fangyi.labs.models import Referral
from fangyi.surveillance import services as surveillance

D = dt.date


def colour_of(person) -> str:
    return ColourState.objects.get(person=person).colour


def declare(resident, **fields):
    return services.declaration_submit(actor=resident.user, **{"temperature": "36.5", **fields})


def next_day(days: int = 1):
    return clock.frozen_at(clock.now() + dt.timedelta(days=days))


def test_a_resident_without_risk_is_green_and_no_change_is_logged(resident, at_noon):
    assert services.colours_refresh(person_ids=[resident.pk]) == []
    state = ColourState.objects.get(person=resident)
    assert (state.colour, state.reason_code, state.rule_version) == ("green", "clear", "2020-02")
    assert len(state.subject) == 24 and str(resident.pk) not in state.subject


def test_an_arrival_from_hubei_is_yellow_until_verified(resident, at_noon, make_user):
    declaration = declare(resident, travelled=True, origin="湖北省武汉市", arrival_date=D(2020, 2, 8))
    assert declaration.high_risk_reason == "湖北省"
    assert colour_of(resident) == "yellow"
    change = ColourChange.objects.get(person=resident)
    assert (change.from_colour, change.to_colour, change.reason_code) == ("", "yellow", "arrival")
    assert change.evidence == [{"type": "declaration", "id": str(declaration.pk), "origin": "湖北省武汉市"}]
    worker = make_user(Role.GRID_WORKER, "430102001001")
    services.arrival_verify(actor=worker, declaration_id=declaration.pk)
    services.colours_refresh(person_ids=[resident.pk])
    assert colour_of(resident) == "green"


def test_the_arrival_window_closes_after_fourteen_days(resident, at_noon):
    declare(resident, travelled=True, origin="湖北", arrival_date=D(2020, 1, 28))
    assert colour_of(resident) == "yellow"
    with clock.frozen_at(dt.datetime(2020, 2, 11, 4, tzinfo=dt.UTC)):
        assert services.colours_refresh_due() == 1
    assert colour_of(resident) == "green"


def test_an_arrival_from_elsewhere_stays_green(resident, at_noon):
    declaration = declare(resident, travelled=True, origin="广东省深圳市", arrival_date=D(2020, 2, 8))
    assert declaration.high_risk_reason == ""
    assert colour_of(resident) == "green"


def test_a_case_is_red_and_release_needs_check_ins_and_a_negative_test(resident, at_noon, make_user):
    case = surveillance.case_report(
        actor=None,
        person_id=resident.pk,
        classification="suspected",
        report_date=D(2020, 1, 20),
        residence="430102001001",
        reporting_unit="湘雅医院",
    )
    services.colours_refresh(person_ids=[resident.pk])
    assert colour_of(resident) == "red"
    surveillance.case_confirm(actor=None, case_id=case.pk, date=D(2020, 1, 22), method="nucleic_acid")
    surveillance.case_record_outcome(actor=None, case_id=case.pk, outcome="cured", date=D(2020, 2, 10))
    services.colours_refresh(person_ids=[resident.pk])
    state = ColourState.objects.get(person=resident)
    assert (state.colour, state.reason_code) == ("red", "release_pending")
    assert state.reason_params == {
        "days": 14,
        "done": 0,
        "test_needed": True,
        "since": "2020-02-10",
        "after": "case",
    }
    for day in range(14):
        with next_day(day):
            declare(resident)
    with next_day(13):
        assert ColourState.objects.get(person=resident).reason_params["done"] == 14
        assert colour_of(resident) == "red"  # still waiting for the test
        lab = make_user(Role.LAB_STAFF, "430102")
        labs.result_report(
            actor=lab,
            person_id=resident.pk,
            result="negative",
            sampled_on=D(2020, 2, 20),
            lab="湖南省疾控中心",
        )
        services.colours_refresh(person_ids=[resident.pk])
        assert colour_of(resident) == "green"
    reasons = list(
        ColourChange.objects.filter(person=resident).order_by("at").values_list("to_colour", "reason_code")
    )
    assert reasons == [("red", "case"), ("green", "clear")]


def test_an_excluded_suspect_turns_green_at_once(resident, at_noon):
    case = surveillance.case_report(
        actor=None,
        person_id=resident.pk,
        classification="suspected",
        report_date=D(2020, 2, 1),
        residence="430102001001",
        reporting_unit="湘雅医院",
    )
    services.colours_refresh(person_ids=[resident.pk])
    surveillance.case_exclude(actor=None, case_id=case.pk, date=D(2020, 2, 3))
    services.colours_refresh(person_ids=[resident.pk])
    assert colour_of(resident) == "green"


def test_case_events_are_recorded_for_the_colour_engine(
    resident, at_noon, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        surveillance.case_report(
            actor=None,
            person_id=resident.pk,
            classification="suspected",
            report_date=D(2020, 2, 1),
            residence="430102001001",
            reporting_unit="湘雅医院",
        )
    task = DBTaskResult.objects.get(task_path="fangyi.healthpass.tasks.colours_refresh_task")
    assert task.args_kwargs["args"] == [[str(resident.pk)]]


def test_a_fever_in_the_declaration_refers_and_turns_red(resident, at_noon):
    declare(resident, temperature="37.8")
    referral = Referral.objects.get(person=resident)
    assert (referral.source, referral.temperature, referral.status) == (
        "self_report",
        Decimal("37.8"),
        "open",
    )
    assert colour_of(resident) == "red"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"temperature": None}, "temperature.required"),
        ({"temperature": "abc"}, "temperature.invalid"),
        ({"temperature": "45.2"}, "temperature.impossible"),
        ({"temperature": "NaN"}, "temperature.impossible"),
        ({"symptoms": ["sneezing"]}, "declaration.invalid_symptom"),
        ({"travelled": True, "arrival_date": D(2020, 2, 1)}, "declaration.origin_required"),
        ({"travelled": True, "origin": "湖北"}, "declaration.arrival_required"),
        (
            {"travelled": True, "origin": "湖北", "arrival_date": D(2020, 3, 1)},
            "declaration.arrival_in_future",
        ),
        ({"origin": "湖北"}, "declaration.travel_inconsistent"),
        (
            {"travelled": True, "origin_county": "999999", "arrival_date": D(2020, 2, 1)},
            "declaration.unknown_county",
        ),
    ],
)
def test_bad_declarations_are_refused_and_record_nothing(resident, at_noon, fields, code):
    with pytest.raises(DomainError) as refused:
        declare(resident, **fields)
    assert refused.value.code == code
    assert not AuditEvent.objects.filter(action="declaration.submit").exists()


def test_one_declaration_a_day(resident, at_noon):
    declare(resident)
    with pytest.raises(DomainError) as refused:
        declare(resident)
    assert (refused.value.code, refused.value.status) == ("declaration.already_today", 409)


def test_a_login_without_a_resident_has_no_code(make_user, at_noon):
    with pytest.raises(DomainError) as refused:
        services.pass_issue(actor=make_user(Role.COUNTY_OFFICIAL, "430102"))
    assert refused.value.code == "healthpass.no_resident"


# Passes ------------------------------------------------------------------------------------------


def test_a_pass_round_trips_through_the_published_keys(resident, at_noon):
    issued = services.pass_issue(actor=resident.user)
    assert issued.token.startswith("FY1:")
    assert (issued.colour, issued.masked_name) == ("green", "张**")
    assert issued.expires_at - issued.issued_at == dt.timedelta(hours=24)
    keys = offline.keyset_from_document(selectors.keyset_document_current())
    result = offline.Verifier(keys).verify(issued.token, at_noon.timestamp())
    assert result.ok and result.claims.subject == ColourState.objects.get(person=resident).subject
    # The QR text is compressed: look for the resident's home and name in what it carries.
    carried = zlib.decompress(base45.b45decode(issued.token.removeprefix("FY1:")))
    assert resident.home_region_id.encode() not in carried and resident.name.encode() not in carried


def test_a_worse_colour_revokes_the_passes_issued_before(resident, at_noon):
    old = services.pass_issue(actor=resident.user)
    with next_day(0.01):
        declare(resident, travelled=True, origin="湖北", arrival_date=D(2020, 2, 9))
        delta = selectors.revocations_delta(since=0)
        assert delta["entries"] == [
            [ColourState.objects.get(person=resident).subject, int(clock.now().timestamp())]
        ]
        verifier = selectors.verifier_current()
        assert verifier.verify(old.token, clock.now().timestamp()).code == "revoked"
    with next_day(0.02):
        fresh = services.pass_issue(actor=resident.user)
        result = selectors.verifier_current().verify(fresh.token, clock.now().timestamp())
        assert (result.code, result.claims.colour) == ("ok", "yellow")
        assert selectors.revocations_delta(since=delta["version"]) == {
            "version": delta["version"],
            "full": False,
            "entries": [],
        }


def test_no_revocation_without_a_live_pass(resident, at_noon):
    declare(resident, travelled=True, origin="湖北", arrival_date=D(2020, 2, 9))
    assert not Revocation.objects.exists()


def test_key_rotation_keeps_the_old_key_published_until_its_passes_expire(resident, at_noon):
    first = services.pass_issue(actor=resident.user)
    services.signing_key_create()
    second = services.pass_issue(actor=resident.user)
    assert first.kid != second.kid
    kids = {key["kid"] for key in selectors.keyset_document_current()["keys"]}
    assert kids == {first.kid, second.kid}
    with next_day(1.01):
        kids = {key["kid"] for key in selectors.keyset_document_current()["keys"]}
        assert kids == {second.kid}
        assert selectors.verifier_current().verify(first.token, clock.now().timestamp()).code == "unknown_key"


# Scans -------------------------------------------------------------------------------------------


def scan(gatekeeper, gate, token, temperature="36.6", **extra):
    return services.scan_record(
        actor=gatekeeper,
        scan_id=extra.pop("scan_id", uuid.uuid4()),
        place_id=gate.pk,
        token=token,
        temperature=temperature,
        **extra,
    )


def test_a_green_pass_passes_and_is_tallied(resident, gate, gatekeeper, at_noon):
    issued = services.pass_issue(actor=resident.user)
    outcome = scan(gatekeeper, gate, issued.token)
    assert outcome.created and (outcome.scan.decision, outcome.scan.reason_code) == ("pass", "ok")
    assert outcome.masked_name == "张**"
    tally = ScanTally.objects.get(place=gate, date=D(2020, 2, 10))
    assert (tally.scans, tally.stops, tally.fevers) == (1, 0, 0)


def test_a_fever_stops_and_refers_to_the_county(resident, gate, gatekeeper, at_noon):
    issued = services.pass_issue(actor=resident.user)
    outcome = scan(gatekeeper, gate, issued.token, temperature="37.3")
    assert (outcome.scan.decision, outcome.scan.reason_code, outcome.scan.fever) == ("stop", "fever", True)
    referral = Referral.objects.get(pk=outcome.scan.referral_id)
    assert (referral.person_id, referral.place_id, referral.county_id, referral.source) == (
        resident.pk,
        gate.pk,
        "430102",
        "gate",
    )
    tally = ScanTally.objects.get(place=gate)
    assert (tally.scans, tally.stops, tally.fevers) == (1, 1, 1)


def test_a_resent_scan_is_recorded_once(resident, gate, gatekeeper, at_noon):
    issued = services.pass_issue(actor=resident.user)
    scan_id = uuid.uuid4()
    first = scan(gatekeeper, gate, issued.token, temperature="38.0", scan_id=scan_id)
    again = scan(gatekeeper, gate, issued.token, temperature="38.0", scan_id=scan_id, offline_queued=True)
    assert first.created and not again.created and again.scan.pk == first.scan.pk
    assert Scan.objects.count() == 1 and Referral.objects.count() == 1
    assert ScanTally.objects.get(place=gate).scans == 1


def test_a_scan_id_reused_elsewhere_is_a_conflict(resident, gate, gatekeeper, make_user, at_noon):
    issued = services.pass_issue(actor=resident.user)
    scan_id = uuid.uuid4()
    scan(gatekeeper, gate, issued.token, scan_id=scan_id)
    other = make_user(Role.CHECKPOINT_STAFF, "430102")
    with pytest.raises(DomainError) as refused:
        scan(other, gate, issued.token, scan_id=scan_id)
    assert (refused.value.code, refused.value.status) == ("scan.id_conflict", 409)


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("HC1:NCFOXN", "bad_prefix"),
        ("FY1:!!!", "bad_base45"),
        ("", "bad_prefix"),
        ("FY1:" + "A" * 30, "bad_compression"),
    ],
)
def test_unreadable_passes_stop_with_their_code(gate, gatekeeper, at_noon, token, code):
    outcome = scan(gatekeeper, gate, token)
    assert (outcome.scan.decision, outcome.scan.reason_code, outcome.scan.subject) == ("stop", code, "")


@pytest.mark.parametrize(
    ("temperature", "code"),
    [
        (None, "temperature.required"),
        ("", "temperature.required"),
        ("hot", "temperature.invalid"),
        ("33.9", "temperature.impossible"),
        ("43.1", "temperature.impossible"),
        ("-1", "temperature.impossible"),
    ],
)
def test_bad_temperatures_are_refused_and_record_nothing(
    resident, gate, gatekeeper, at_noon, temperature, code
):
    issued = services.pass_issue(actor=resident.user)
    with pytest.raises(DomainError) as refused:
        scan(gatekeeper, gate, issued.token, temperature=temperature)
    assert (refused.value.code, refused.value.field) == (code, "temperature")
    assert not Scan.objects.exists() and not ScanTally.objects.exists()


def test_scan_times_must_be_plausible(resident, gate, gatekeeper, at_noon):
    with clock.frozen_at(at_noon - dt.timedelta(hours=4)):
        issued = services.pass_issue(actor=resident.user)
    for moment, code in [
        (at_noon + dt.timedelta(minutes=10), "scan.time_in_future"),
        (at_noon - dt.timedelta(days=40), "scan.too_old"),
        (dt.datetime(2020, 2, 10, 12), "scan.naive_time"),
    ]:
        with pytest.raises(DomainError) as refused:
            scan(gatekeeper, gate, issued.token, scanned_at=moment)
        assert refused.value.code == code
    offline_scan = scan(
        gatekeeper, gate, issued.token, scanned_at=at_noon - dt.timedelta(hours=3), offline_queued=True
    )
    assert offline_scan.scan.offline and offline_scan.scan.decision == "pass"


def test_gates_outside_the_jurisdiction_are_not_found(resident, gate, make_user, at_noon):
    issued = services.pass_issue(actor=resident.user)
    outsider = make_user(Role.CHECKPOINT_STAFF, "430103")
    with pytest.raises(NotFound):
        scan(outsider, gate, issued.token)


def test_a_clinic_is_not_a_gate(resident, gatekeeper, at_noon):
    from fangyi.regions.models import Place

    clinic = Place.objects.create(name="发热门诊", kind="fever_clinic", region_id="430102001")
    with pytest.raises(DomainError) as refused:
        scan(gatekeeper, clinic, "FY1:x")
    assert refused.value.code == "scan.not_a_gate"


def test_old_scans_are_purged_and_tallies_stay(resident, gate, gatekeeper, at_noon):
    issued = services.pass_issue(actor=resident.user)
    scan(gatekeeper, gate, issued.token)
    assert services.scans_purge(now=at_noon + dt.timedelta(days=27)) == 0
    assert services.scans_purge(now=at_noon + dt.timedelta(days=29)) == 1
    assert not Scan.objects.exists() and ScanTally.objects.get(place=gate).scans == 1


# Overrides and appeals ---------------------------------------------------------------------------


@pytest.fixture
def officials(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102"), make_user(Role.COUNTY_OFFICIAL, "430102")


def test_an_override_needs_a_second_approver(resident, officials, at_noon):
    first, second = officials
    override = services.override_request(
        actor=first, person_id=resident.pk, colour="red", reason="密接待核实", days=7
    )
    services.colours_refresh(person_ids=[resident.pk])
    assert colour_of(resident) == "green"
    with pytest.raises(DomainError) as refused:
        services.override_approve(actor=first, override_id=override.pk)
    assert refused.value.code == "override.same_approver"
    services.override_approve(actor=second, override_id=override.pk)
    state = ColourState.objects.get(person=resident)
    assert (state.colour, state.reason_code) == ("red", "override")
    change = ColourChange.objects.get(person=resident)
    assert change.actor == second and change.evidence == [{"type": "override", "id": str(override.pk)}]
    services.override_end(actor=first, override_id=override.pk, note="核实无接触")
    assert colour_of(resident) == "green"


def test_an_override_of_a_resident_elsewhere_is_not_found(resident, make_user, at_noon):
    outsider = make_user(Role.COUNTY_OFFICIAL, "430103")
    with pytest.raises(NotFound):
        services.override_request(actor=outsider, person_id=resident.pk, colour="red", reason="x")


def test_an_upheld_appeal_becomes_an_override_request(resident, officials, at_noon):
    first, second = officials
    declare(resident, travelled=True, origin="湖北", arrival_date=D(2020, 2, 9))
    appeal = services.appeal_file(actor=resident.user, text="我只在武汉转机，未出站")
    assert appeal.colour == "yellow"
    with pytest.raises(DomainError) as refused:
        services.appeal_file(actor=resident.user, text="again")
    assert refused.value.code == "appeal.already_open"
    services.appeal_decide(
        actor=first, appeal_id=appeal.pk, uphold=True, response="核实转机记录", colour="green"
    )
    override = selectors.override_list(actor=second).get()
    assert override.appeal_id == appeal.pk and override.colour == "green"
    services.override_approve(actor=second, override_id=override.pk)
    assert colour_of(resident) == "green"
    with pytest.raises(DomainError) as refused:
        services.appeal_decide(actor=first, appeal_id=appeal.pk, uphold=False, response="x")
    assert refused.value.code == "appeal.already_decided"
