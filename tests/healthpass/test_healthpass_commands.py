import datetime as dt
import io

from django.core.management import call_command

from fangyi.core import clock
from fangyi.healthpass import selectors, services
from fangyi.healthpass.models import ColourState, SigningKey


def test_the_daily_upkeep_releases_closed_windows(resident, at_noon):
    services.declaration_submit(
        actor=resident.user,
        temperature="36.5",
        travelled=True,
        origin="湖北",
        arrival_date=dt.date(2020, 1, 28),
    )
    out = io.StringIO()
    with clock.frozen_at(at_noon + dt.timedelta(days=2)):
        call_command("healthpass_daily", "--now", stdout=out)
    assert "1 colours changed, 0 scan records purged" in out.getvalue()
    assert ColourState.objects.get(person=resident).colour == "green"


def test_the_daily_upkeep_queues_for_the_worker(db):
    from django_tasks_db.models import DBTaskResult

    call_command("healthpass_daily", stdout=io.StringIO())
    assert DBTaskResult.objects.count() == 2


def test_rotating_the_signing_key(resident, at_noon):
    services.pass_issue(actor=resident.user)
    call_command("rotate_signing_key", stdout=io.StringIO())
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
    assert len(selectors.keyset_document_current()["keys"]) == 2
