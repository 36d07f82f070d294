"""The demo's 2020 screening and observation scenario, played on a small demo."""

import pytest
from django.db import transaction
from django.test import override_settings

from fangyi.accounts.models import User
from fangyi.demo.outbreak import HOME_LEFT_FOR_GRID, NOW_OBSERVED, UNKNOWN_SUBJECTS, outbreak_seed
from fangyi.demo.services import DEMO_HOME, demo_seed
from fangyi.labs.choices import ReferralSource, ReferralStatus
from fangyi.labs.models import Referral
from fangyi.quarantine.choices import ObservationStatus
from fangyi.quarantine.models import CheckIn, Contact, ObservationPeriod
from fangyi.screening.choices import RunStatus, TaskStatus
from fangyi.screening.models import GridTask, ScreeningRun, TravelRecord
from fangyi.surveillance.replay import replay_hunan_2020

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
            yield outbreak_seed(
                admin=User.objects.get(username="admin"),
                grid_worker=User.objects.get(username="grid"),
                home=DEMO_HOME,
                seed=7,
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def played(db, scenario):
    return scenario


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
