"""The demo's 2020 scenarios (screening and observation; testing and treatment; supplies and
command; the economic recovery), played on a small demo."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings

from fangyi.accounts.models import User
from fangyi.command.choices import TargetStatus
from fangyi.command.models import Directive, Sitrep, Target
from fangyi.core import clock
from fangyi.demo.clinical import CHANGSHA_LAB, CONSULTED_2020, clinical_seed
from fangyi.demo.command import FIRST_DAY, LAST_DAY, command_seed
from fangyi.demo.jobs import jobs_seed
from fangyi.demo.outbreak import HOME_LEFT_FOR_GRID, NOW_OBSERVED, UNKNOWN_SUBJECTS, outbreak_seed
from fangyi.demo.recovery import DEMO_TOWNSHIP, EMPLOYER_FIRM, WAITING_FIRM, recovery_seed
from fangyi.demo.services import DEMO_HOME, demo_seed
from fangyi.demo.vouchers import DEMO_COUNTY, WELFARE_NAME, vouchers_seed
from fangyi.employment import selectors as employment
from fangyi.employment.choices import Stage
from fangyi.employment.models import Application, Seeker
from fangyi.hospitals.choices import AdmissionStatus, HospitalLevel
from fangyi.hospitals.models import Admission, Consultation, Expert, ExpertGroup, Hospital
from fangyi.hospitals.selectors import discharge_check, treatment_statistics
from fangyi.labs.choices import ReferralSource, ReferralStatus
from fangyi.labs.models import ClinicVisit, Laboratory, Referral, Sample
from fangyi.labs.selectors import lab_summary
from fangyi.quarantine.choices import ObservationStatus
from fangyi.quarantine.models import CheckIn, Contact, ObservationPeriod
from fangyi.regions.choices import Level
from fangyi.resumption.choices import ApplicationStatus, SlaState, TicketLevel, TicketStatus
from fangyi.resumption.models import Enterprise, LiaisonAssignment, ProblemTicket, ResumptionApplication
from fangyi.resumption.selectors import resumption_summary
from fangyi.screening.choices import RunStatus, TaskStatus
from fangyi.screening.models import GridTask, ScreeningRun, TravelRecord
from fangyi.supplies.models import AllocationRun, Balance, Donation, ProductionDay, Warehouse
from fangyi.supplies.selectors import transparency
from fangyi.supplies.services import allocation_replay, reconcile
from fangyi.surveillance.choices import Classification, Severity
from fangyi.surveillance.models import Case
from fangyi.surveillance.replay import replay_hunan_2020
from fangyi.volunteers.choices import HoursStatus, SignUpStatus
from fangyi.volunteers.models import (
    Certificate,
    CounsellingSession,
    HotlineShift,
    HoursRecord,
    SignUp,
    Volunteer,
)
from fangyi.vouchers import ledger, services, stats
from fangyi.vouchers.choices import (
    ClaimMode,
    FlagStatus,
    FraudRule,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.models import FraudFlag, LotteryEntry, Merchant, Program, Redemption, Settlement, Voucher

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    """Played once for the module, inside a transaction rolled back after its last test; each test
    runs in a savepoint of it (its `db` fixture)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_seed(residents=3000, seed=7)
            replay_hunan_2020(scale=0.1)
            admin = User.objects.get(username="admin")
            outbreak = outbreak_seed(
                admin=admin, grid_worker=User.objects.get(username="grid"), home=DEMO_HOME, seed=7
            )
            testing = clinical_seed(
                admin=admin, expert_login=User.objects.get(username="expert"), seed=7, scale=400
            )
            directed = command_seed(admin=admin, changsha=User.objects.get(username="changsha"), seed=7)
            recovered = recovery_seed(admin=admin, seed=7, enterprises=300)
            spent = vouchers_seed(admin=admin, seed=7, merchants_count=300)
            hiring = jobs_seed(seed=7, posts=400)
            yield outbreak, testing, directed, recovered, spent, hiring
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def played(db, scenario):
    return scenario[0]


@pytest.fixture
def tested(db, scenario):
    return scenario[1]


@pytest.fixture
def directed(db, scenario):
    return scenario[2]


@pytest.fixture
def recovered(db, scenario):
    return scenario[3]


@pytest.fixture
def spent(db, scenario):
    return scenario[4]


@pytest.fixture
def hiring(db, scenario):
    return scenario[5]


def test_the_screening_finds_the_returnees_and_keeps_records_of_nobody(played):
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert run.counts["persons_screened"] == played.persons_screened >= 8
    assert TravelRecord.objects.filter(person__isnull=True).count() == UNKNOWN_SUBJECTS
    assert {area["area_code"] for area in run.risk_areas} >= {"42", "4201"}


def test_some_grid_tasks_wait_for_the_demo_grid_worker(played):
    waiting = GridTask.objects.filter(region_id=DEMO_HOME, status=TaskStatus.OPEN)
    assert waiting.count() == HOME_LEFT_FOR_GRID
    done = GridTask.objects.filter(status=TaskStatus.DONE)
    assert done.count() == played.tasks_verified
    assert len(set(done.values_list("outcome", flat=True))) >= 3
    assert GridTask.objects.exclude(status=TaskStatus.DONE).count() == played.tasks_open


def test_everyone_observed_in_2020_was_released_and_three_are_observed_today(played):
    active = ObservationPeriod.objects.filter(status=ObservationStatus.ACTIVE)
    assert active.count() == NOW_OBSERVED == played.observed_now
    assert active.filter(person__user__username="resident").exists()
    assert not active.filter(starts_on__year=2020).exists()
    assert ObservationPeriod.objects.filter(status=ObservationStatus.RELEASED).count() > 20
    assert CheckIn.objects.filter(fever=True).count() == 2
    fever_referrals = Referral.objects.filter(source=ReferralSource.CHECK_IN)
    assert fever_referrals.count() == 2
    assert not fever_referrals.filter(status=ReferralStatus.OPEN).exists()


def test_close_contacts_of_cases_are_traced(played):
    assert Contact.objects.count() == played.contacts > 0
    assert Contact.objects.filter(degree=2).exists()


def test_the_scenario_runs_once_and_survives_a_new_replay(played):
    periods = ObservationPeriod.objects.count()
    assert outbreak_seed(
        admin=User.objects.get(username="admin"), grid_worker=None, home=DEMO_HOME, seed=7
    ).skipped
    assert ObservationPeriod.objects.count() == periods
    replay_hunan_2020(scale=0.1)  # replaces the line list; its contacts go with the old cases
    assert not Contact.objects.exists()
    assert ObservationPeriod.objects.count() == periods


# Testing and treatment ---------------------------------------------------------------------------


def test_the_province_has_its_clinics_labs_and_designated_hospitals(tested):
    assert Laboratory.objects.count() == tested.labs == 62
    assert Hospital.objects.count() == tested.hospitals == 116
    levels = Hospital.objects.values_list("level", flat=True)
    assert list(levels).count(HospitalLevel.PREFECTURE) == 14
    assert ClinicVisit.objects.exists()


def test_every_replayed_case_was_confirmed_by_a_positive_test_that_day(tested):
    admin = User.objects.get(username="admin")
    confirmed = Case.objects.filter(
        synthetic=True, classification=Classification.CONFIRMED, confirmed_date__year=2020
    )
    assert tested.positives == confirmed.count() > 50
    for case in confirmed[:20]:
        assert Sample.objects.filter(
            person_id=case.person_id, result="positive", collected_at__date=case.confirmed_date
        ).exists()
    summary = lab_summary(actor=admin, region="43")
    assert summary["positive_total"] == tested.positives
    # From February "the same day" was the rule: nineteen samples in twenty.
    mass_testing = Sample.objects.filter(
        kind="individual",
        collected_at__date__gte=dt.date(2020, 2, 5),
        collected_at__date__lte=dt.date(2020, 2, 29),
    )
    assert mass_testing.filter(reported_same_day=True).count() > 0.85 * mass_testing.count() > 100


def test_cases_were_treated_in_designated_hospitals_and_tcm_shortened_stays(tested):
    admin = User.objects.get(username="admin")
    assert Admission.objects.filter(synthetic=True).count() == tested.admissions
    transferred = Admission.objects.filter(transferred_from__isnull=False, synthetic=True)
    assert transferred.exists()
    assert not transferred.filter(hospital__level=HospitalLevel.COUNTY).exists()
    figures = treatment_statistics(
        actor=admin, region="43", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31)
    )
    assert figures["cure_rate"] > 0.95
    assert 0.9 < figures["tcm_rate"] < 1
    assert -4 < figures["los_difference_days"] < -1  # TCM stays are shorter
    severe = Admission.objects.filter(
        synthetic=True, severity_on_admission__in=[Severity.SEVERE, Severity.CRITICAL]
    )
    consulted = Consultation.objects.filter(requested_at__year=2020)
    assert consulted.count() == tested.consultations == min(CONSULTED_2020, severe.count()) > 0
    assert all(consultation.opinions.count() == 3 for consultation in consulted)


def test_the_experts_groups_and_this_weeks_rota(tested):
    assert Expert.objects.count() == tested.experts == 228
    assert ExpertGroup.objects.count() == 15
    assert Expert.objects.filter(user__username="expert").exists()
    assert all(group.rota.count() == 14 for group in ExpertGroup.objects.all())


def test_today_four_patients_one_under_consultation_one_ready_to_go_home(tested):
    today = Admission.objects.filter(status=AdmissionStatus.ADMITTED, synthetic=False)
    assert today.count() == tested.patients_now == 4
    consultation = Consultation.objects.get(admission__in=today)
    assert consultation.invitations.filter(expert__user__username="expert").exists()
    assert consultation.video_url.startswith("https://")
    assert sum(discharge_check(admission).met for admission in today) == 1


def test_samples_wait_at_the_changsha_lab_and_a_pool_waits_to_be_sent(tested):
    lab = Laboratory.objects.get(place__name=CHANGSHA_LAB)
    assert Sample.objects.filter(lab=lab, status="received").count() == 3
    assert Sample.objects.filter(kind="pool", status="collected").count() == 1


def test_the_testing_scenario_runs_once(tested):
    admin = User.objects.get(username="admin")
    assert clinical_seed(admin=admin, expert_login=None, seed=7).skipped


# Supplies and command ----------------------------------------------------------------------------


def test_the_reserves_hold_stock_that_reconciles_with_the_ledger(directed):
    assert Warehouse.objects.count() == directed.warehouses == 15
    assert Balance.objects.filter(quantity__gt=0).count() > 20
    assert not reconcile().mismatches
    peak = ProductionDay.objects.filter(item__code="surgical-mask", date=dt.date(2020, 2, 20))
    assert sum(day.output for day in peak) > 45_000_000


def test_an_allocation_run_served_intensive_care_first_and_donations_are_public(directed):
    run = AllocationRun.objects.get()
    assert allocation_replay(run) == run.result
    first = run.allocations.order_by("request__priority").first()
    assert first is not None and first.quantity == first.request.quantity
    public = transparency()
    assert len({row["country"] for row in Donation.objects.values("country")}) == 42
    assert public  # the public account lists them


def test_directives_reached_the_townships_and_one_is_overdue_today(directed):
    assert Directive.objects.count() == directed.directives == 5
    escalated = Target.objects.filter(escalated_at__isnull=False)
    assert escalated.filter(directive__issued_at__year=2020).exists()
    today = escalated.exclude(directive__issued_at__year=2020)
    assert today.exists() and not today.filter(status=TargetStatus.COMPLETED).exists()
    assert Target.objects.filter(region__level=Level.TOWNSHIP).exists()


def test_a_situation_report_for_every_replayed_day(directed):
    days = (LAST_DAY - FIRST_DAY).days + 1
    assert Sitrep.objects.filter(region_id="43", date__year=2020).count() == days
    assert directed.sitreps == days + 1


# The recovery ------------------------------------------------------------------------------------


def test_enterprises_reopened_through_february_and_march(recovered):
    admin = User.objects.get(username="admin")
    assert Enterprise.objects.count() == recovered.enterprises + 2 >= 300
    early = resumption_summary(actor=admin, region="43", date=dt.date(2020, 2, 12))
    late = resumption_summary(actor=admin, region="43", date=dt.date(2020, 3, 31))
    assert early["resumption_rate"] < 0.6 < 0.95 < late["resumption_rate"]
    assert early["staff_return_rate"] < late["staff_return_rate"]
    assert late["problems_solved"] > late["problems_open"]
    key = Enterprise.objects.filter(key_project=True)
    assert key.exists() and not key.filter(status_date__isnull=True).exists()  # every key project reopened


def test_every_large_enterprise_and_park_has_its_liaisons(recovered):
    for firm in Enterprise.objects.filter(large_scale=True, park__isnull=True):
        assert firm.liaisons.filter(ended_at__isnull=True).exists(), firm.name
    groups = LiaisonAssignment.objects.filter(park__isnull=False, ended_at__isnull=True)
    assert {row.park_id for row in groups} and all(
        groups.filter(park_id=park).count() >= 3 for park in {row.park_id for row in groups}
    )


def test_problems_kept_their_sla_mostly_and_some_were_escalated(recovered):
    archive = ProblemTicket.objects.filter(opened_at__year=2020)
    assert archive.count() == recovered.tickets
    met = archive.filter(sla_state=SlaState.MET).count()
    assert met > 0.7 * archive.count()
    assert archive.filter(level=TicketLevel.PROVINCE).exists()
    assert not archive.exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED]).exists()


def test_today_the_employer_has_open_problems_and_an_application_waits(recovered):
    firm = Enterprise.objects.get(name=EMPLOYER_FIRM)
    assert firm.accounts.filter(username="employer").exists()
    report = firm.health_reports.get(date=clock.today())
    assert report.employees == 12 and 1 <= report.on_site <= 10
    today = {ticket.title: ticket for ticket in firm.tickets.all()}
    assert {ticket.status for ticket in today.values()} == {TicketStatus.OPEN, TicketStatus.WAITING}
    overdue = [ticket for ticket in today.values() if ticket.sla_state == SlaState.OVERDUE]
    assert len(overdue) == 1 and overdue[0].level == TicketLevel.PREFECTURE
    waiting = ResumptionApplication.objects.get(enterprise__name=WAITING_FIRM)
    assert waiting.status == ApplicationStatus.SUBMITTED
    stationed = LiaisonAssignment.objects.filter(liaison__username="liaison", ended_at__isnull=True)
    assert (
        stationed.filter(enterprise__name=WAITING_FIRM).exists()
        and stationed.filter(park__isnull=False).exists()
    )


def test_volunteers_served_and_the_resident_is_one_of_them_today(recovered):
    assert Volunteer.objects.count() == recovered.volunteers
    assert Volunteer.objects.filter(qualification_verified_at__isnull=False).count() >= 10
    assert HoursRecord.objects.filter(status=HoursStatus.APPROVED).count() >= recovered.hours
    assert Certificate.objects.exists() and CounsellingSession.objects.exists()
    mine = SignUp.objects.filter(
        volunteer__person__user__username="resident", mission__starts_at__year__gt=2020
    )
    assert mine.filter(status=SignUpStatus.ASSIGNED).count() == 2
    assert mine.filter(status=SignUpStatus.SIGNED_UP).count() == 1
    assert HoursRecord.objects.filter(
        status=HoursStatus.PENDING, volunteer__person__user__username="resident"
    ).exists()
    week = HotlineShift.objects.filter(region_id=DEMO_TOWNSHIP, starts_at__year__gt=2020)
    assert week.count() == 7 * 4 - 1  # one evening uncovered


def test_the_recovery_scenario_runs_once(recovered):
    assert recovery_seed(admin=User.objects.get(username="admin"), seed=7).skipped


def test_the_2020_welfare_was_claimed_spent_and_settled_to_the_fen(spent):
    welfare = Program.objects.get(name=WELFARE_NAME)
    assert welfare.claiming == ClaimMode.LIST and welfare.status == ProgramStatus.CLOSED
    assert welfare.claim_opens.astimezone(clock.SHANGHAI).date() == dt.date(2020, 3, 27)
    assert spent.claimed and spent.redeemed and spent.settlements and spent.refunded
    for kind in welfare.denominations.all():
        assert kind.remaining == kind.stock - Voucher.objects.filter(denomination=kind).count() >= 0
    redemptions = Redemption.objects.filter(voucher__program=welfare)
    days = {
        moment.astimezone(clock.SHANGHAI).date()
        for moment in redemptions.values_list("redeemed_at", flat=True)
    }
    assert dt.date(2020, 3, 27) <= min(days) and max(days) <= dt.date(2020, 5, 31)
    # Everything standing is settled, by merchant and day, to the fen; refunds restored their voucher.
    assert not redemptions.filter(status=RedemptionStatus.DONE, settlement=None).exists()
    for settlement in Settlement.objects.filter(program=welfare)[:50]:
        items = list(settlement.items.values_list("discount_fen", flat=True))
        assert settlement.amount_fen == sum(items) and settlement.redemptions == len(items)
    refunded = redemptions.filter(status=RedemptionStatus.REFUNDED)
    assert not refunded.exclude(voucher__status=VoucherStatus.HELD).exists()
    assert ledger.trial_balance() == 0 and ledger.balances(welfare.pk)["payable_by_merchant"] == {}
    figures = stats.program_stats(region="43", program_id=welfare.pk)
    assert 3 < figures["leverage"] < 10
    assert 0.7 < figures["small_micro_share"]["count"] < 0.9


def test_today_the_resident_holds_a_voucher_and_the_merchant_redeems_and_is_settled(spent):
    resident = User.objects.get(username="resident")
    held = Voucher.objects.get(holder__user=resident, program__region_id=DEMO_COUNTY)
    assert held.status == VoucherStatus.HELD
    shop = Merchant.objects.get(accounts__username="merchant")
    assert shop.status == MerchantStatus.APPROVED and shop.region_id.startswith(DEMO_COUNTY)
    today = clock.today()
    mine = Redemption.objects.filter(merchant=shop)
    assert mine.filter(redeemed_at__date__gte=today - dt.timedelta(days=1)).count() >= 5
    assert FraudFlag.objects.filter(
        rule=FraudRule.SPLIT_ORDER,
        merchant=shop,
        status=FlagStatus.OPEN,
        region__code__startswith=DEMO_COUNTY,
    ).exists()
    assert FraudFlag.objects.filter(rule=FraudRule.OUT_OF_REGION, status=FlagStatus.OPEN).exists()
    assert (
        Merchant.objects.filter(region__code__startswith=DEMO_COUNTY, status=MerchantStatus.PENDING).count()
        == 3
    )
    # Tonight's settlement pays the shop for the redemptions past their hold, and only those.
    settled = [s for s in services.settlement_run(actor=None) if s.merchant_id == shop.pk]
    assert sum(s.redemptions for s in settled) == 4
    assert mine.filter(status=RedemptionStatus.DONE, settlement=None).count() == mine.count() - 4
    assert ledger.trial_balance() == 0


def test_changsha_tourism_lottery_takes_entries(spent):
    lottery = Program.objects.get(claiming=ClaimMode.LOTTERY)
    assert lottery.status == ProgramStatus.PUBLISHED and lottery.claim_closes > clock.now()
    assert LotteryEntry.objects.filter(program=lottery).exists()


def test_the_vouchers_scenario_runs_once(spent):
    assert vouchers_seed(admin=User.objects.get(username="admin"), seed=7).skipped


def test_seekers_look_for_work_and_the_demo_employer_hired_on_most_days(hiring):
    assert hiring.seekers == Seeker.objects.count() > 0 and hiring.hires > 0
    employer = User.objects.get(username="employer")
    today = clock.today()
    days = employment.hires_per_day(actor=employer, since=today - dt.timedelta(days=14), until=today)
    assert sum(row["hires"] for row in days) == hiring.hires and len(days) >= 5
    mine = Application.objects.get(seeker__person__user__username="resident")
    assert mine.stage == Stage.SHORTLISTED and mine.post.employer.accounts.filter(pk=employer.pk).exists()
    assert set(mine.changes.values_list("stage", flat=True)) == {Stage.APPLIED, Stage.SHORTLISTED}
