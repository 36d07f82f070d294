import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation
from tests.command.conftest import COUNTY, NOW, TOWNSHIP, VILLAGE

from fangyi.command import selectors, services
from fangyi.command.models import Sitrep, Target
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.regions.models import Region

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(days=4)


def test_targets_past_the_deadline_and_not_completed_are_escalated_once(
    county_directive, township, grid_worker
):
    total = Target.objects.filter(directive=county_directive).count()
    services.target_complete(
        actor=grid_worker,
        target_id=Target.objects.get(directive=county_directive, region_id=VILLAGE).pk,
        note="",
    )
    assert services.directives_escalate(now=NOW + dt.timedelta(days=1)) == 0  # not due yet

    assert services.directives_escalate(now=LATER) == total - 1
    assert not Target.objects.get(region_id=VILLAGE, directive=county_directive).escalated_at
    assert Target.objects.get(region_id=TOWNSHIP, directive=county_directive).escalated_at == LATER
    event = AuditEvent.objects.get(action="directive.escalate")
    assert (event.object_id, event.data["targets"]) == (str(county_directive.pk), total - 1)

    assert services.directives_escalate(now=LATER + dt.timedelta(hours=1)) == 0


def test_a_withdrawn_directive_is_not_escalated(county_directive, county):
    services.directive_withdraw(actor=county, directive_id=county_directive.pk)
    assert services.directives_escalate(now=LATER) == 0


def test_the_level_above_sees_overdue_and_escalated_on_its_board(county_directive, county, township):
    villages = Region.objects.filter(parent_id=TOWNSHIP).count()
    services.target_report(
        actor=township,
        target_id=Target.objects.get(directive=county_directive, region_id=TOWNSHIP).pk,
        progress=50,
        note="",
    )
    with clock.frozen_at(LATER):
        services.directives_escalate()
        [row] = selectors.directive_board(actor=county, directive_id=county_directive.pk)
    assert row["overdue"] == row["escalated"] == villages + 1
    assert row["in_progress"] == 1


def test_command_daily_escalates_and_archives_the_days_sitreps(county_directive):
    out = io.StringIO()
    with clock.frozen_at(LATER), translation.override("en"):
        call_command("command_daily", "--now", stdout=out)
    prefectures = Region.objects.filter(parent_id="43").count()
    assert Target.objects.filter(directive=county_directive, escalated_at=LATER).exists()
    assert Sitrep.objects.filter(date=LATER.astimezone(clock.SHANGHAI).date()).count() == prefectures + 1
    assert set(Sitrep.objects.values_list("region_id", flat=True)) >= {"43", COUNTY[:4]}
    escalated = Target.objects.filter(directive=county_directive).count()
    assert (
        f"{escalated} overdue targets escalated, {prefectures + 1} situation reports archived"
        in out.getvalue()
    )
