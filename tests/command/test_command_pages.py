"""The command pages: the inbox and a target's forms, issuing a directive, its live board,
withdrawal, files, and the response-level timeline; permissions and jurisdiction."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from tests.command.page_helpers import NOW, issue, page_of, signed_in

from fangyi.accounts.choices import Role
from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.command.models import Attachment, Directive, Target
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.surveillance.models import ResponseLevelPeriod

FURONG = "430102"
TIANXIN = "430103"
CHANGSHA = "4301"
ZHUZHOU = "4302"


@pytest.fixture(autouse=True)
def frozen():
    with translation.override(None), clock.frozen_at(NOW):
        yield


@pytest.fixture
def prefecture(make_user):
    return make_user(Role.PREFECTURE_OFFICIAL, CHANGSHA)


@pytest.fixture
def furong(make_user):
    return make_user(Role.COUNTY_OFFICIAL, FURONG)


@pytest.fixture
def directive(prefecture):
    """From Changsha to 芙蓉区 and 天心区, down to the counties."""
    return issue(prefecture, CHANGSHA, [FURONG, TIANXIN], attachments=[("通知.txt", "text/plain", b"notice")])


def target_of(directive, region: str) -> Target:
    return Target.objects.get(directive=directive, region_id=region)


def writes() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Directive.objects.count(),
        Target.objects.count(),
        Attachment.objects.count(),
        *Target.objects.order_by("pk").values_list("status", "progress"),
    )


# Inbox and a target ------------------------------------------------------------------------------


def test_inbox_lists_own_targets_with_countdown_and_acknowledge(furong, directive):
    response = signed_in(furong).get(reverse("command:inbox"))
    html = page_of(response)
    assert response.status_code == 200
    assert "Directives received" in html
    assert directive.title in html
    assert "left" in html  # the countdown
    assert reverse("command:target_acknowledge", args=[target_of(directive, FURONG).pk]) in html
    assert str(target_of(directive, TIANXIN).pk) not in html


def test_inbox_overdue_is_red_and_empty_state(furong, make_user, directive):
    with clock.frozen_at(NOW + dt.timedelta(days=3)):
        html = page_of(signed_in(furong).get(reverse("command:inbox")))
    assert "row--overdue" in html and "overdue by" in html
    empty = page_of(signed_in(make_user(Role.COUNTY_OFFICIAL, ZHUZHOU + "02")).get(reverse("command:inbox")))
    assert "No directive has been addressed to your region." in empty


def test_inbox_needs_command_view(make_user):
    clinic = make_user(Role.CLINIC_STAFF, FURONG)
    assert signed_in(clinic).get(reverse("command:inbox")).status_code == 403


def test_acknowledge_from_the_inbox(furong, directive):
    target = target_of(directive, FURONG)
    url = reverse("command:target_acknowledge", args=[target.pk])
    response = signed_in(furong).post(url, {"next": "inbox"})
    assert response.status_code == 302 and response["Location"] == reverse("command:inbox")
    target.refresh_from_db()
    assert target.status == TargetStatus.ACKNOWLEDGED and target.acknowledged_at == NOW


def test_acknowledging_someone_elses_target_is_refused(prefecture, furong, directive):
    tianxin = target_of(directive, TIANXIN)
    before = writes()
    # Another county's target, outside 芙蓉区's jurisdiction: not found.
    assert signed_in(furong).post(reverse("command:target_acknowledge", args=[tianxin.pk])).status_code == 404
    # Inside the prefecture's jurisdiction but not its own region: not allowed, and said so.
    response = signed_in(prefecture).post(reverse("command:target_acknowledge", args=[tianxin.pk]))
    assert response.status_code == 403
    assert "addressed to another region" in page_of(response)
    assert writes() == before


def test_target_page_shows_the_directive_and_its_forms(furong, directive):
    target = target_of(directive, FURONG)
    response = signed_in(furong).get(reverse("command:target", args=[target.pk]))
    html = page_of(response)
    assert response.status_code == 200
    assert "各地立即落实。" in html and "通知.txt" in html
    assert 'id="acknowledge"' in html and "Report progress" in html and "Report completion" in html


def test_report_progress_with_evidence(furong, directive):
    target = target_of(directive, FURONG)
    evidence = SimpleUploadedFile("照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
    response = signed_in(furong).post(
        reverse("command:target_report", args=[target.pk]),
        {"progress": "40", "note": "已完成四成小区", "evidence": evidence},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.progress, target.note) == (TargetStatus.IN_PROGRESS, 40, "已完成四成小区")
    assert list(target.evidence.values_list("name", flat=True)) == ["照片.jpg"]
    html = page_of(signed_in(furong).get(reverse("command:target", args=[target.pk])))
    assert "照片.jpg" in html and "40%" in html


def test_progress_going_down_is_refused_next_to_the_field(furong, directive):
    target = target_of(directive, FURONG)
    client = signed_in(furong)
    client.post(reverse("command:target_report", args=[target.pk]), {"progress": "60", "note": "过半"})
    before = writes()
    response = client.post(
        reverse("command:target_report", args=[target.pk]), {"progress": "30", "note": "x"}
    )
    assert response.status_code == 409
    assert "Progress cannot go below" in page_of(response)
    assert 'id="id_report_progress_error"' in page_of(response)
    assert writes() == before


@pytest.mark.parametrize("progress", ["150", "-1", "abc", ""])
def test_progress_out_of_range_is_a_form_error(furong, directive, progress):
    target = target_of(directive, FURONG)
    before = writes()
    response = signed_in(furong).post(
        reverse("command:target_report", args=[target.pk]), {"progress": progress, "note": "x"}
    )
    assert response.status_code == 400
    assert 'id="id_report_progress_error"' in page_of(response)
    assert writes() == before


def test_complete_is_final(furong, directive):
    target = target_of(directive, FURONG)
    client = signed_in(furong)
    url = reverse("command:target_complete", args=[target.pk])
    assert client.post(url, {"note": "全部落实"}).status_code == 302
    target.refresh_from_db()
    assert (target.status, target.progress) == (TargetStatus.COMPLETED, 100)
    html = page_of(client.get(reverse("command:target", args=[target.pk])))
    assert "Report progress" not in html
    before = writes()
    again = client.post(url, {"note": "再次"})
    assert again.status_code == 409
    assert "already completed" in page_of(again)
    assert writes() == before


def test_target_outside_the_jurisdiction_is_not_found(furong, directive):
    tianxin = target_of(directive, TIANXIN)
    assert signed_in(furong).get(reverse("command:target", args=[tianxin.pk])).status_code == 404


# Issuing -----------------------------------------------------------------------------------------


def issue_form(**overrides):
    data = {
        "issuer": CHANGSHA,
        "title": "做好春节后返岗人员排查",
        "body": "各区县于两日内完成排查。",
        "deadline": "2020-02-03T18:00",
        "targets": [FURONG, TIANXIN],
        "down_to": "township",
    }
    data.update(overrides)
    return data


def test_issue_form_offers_the_child_regions(prefecture):
    response = signed_in(prefecture).get(reverse("command:directive_new"))
    html = page_of(response)
    assert response.status_code == 200
    assert "Issue a directive" in html and "芙蓉区" in html and "天心区" in html


def test_issue_a_directive_with_attachments(prefecture):
    files = [
        SimpleUploadedFile("方案.pdf", b"%PDF-1.4", content_type="application/pdf"),
        SimpleUploadedFile("名单.csv", b"a,b\n", content_type="text/csv"),
    ]
    response = signed_in(prefecture).post(
        reverse("command:directive_new"), {**issue_form(), "attachments": files}
    )
    assert response.status_code == 302
    directive = Directive.objects.get()
    assert response["Location"] == reverse("command:directive_detail", args=[directive.pk])
    assert sorted(directive.attachments.values_list("name", flat=True)) == ["名单.csv", "方案.pdf"]
    regions = set(directive.targets.values_list("region_id", flat=True))
    assert {FURONG, TIANXIN, FURONG + "001"} <= regions
    assert all(len(code) <= 9 for code in regions)


def test_issue_to_every_region_below(prefecture):
    data = issue_form(targets=[], everywhere="on", down_to="county")
    assert signed_in(prefecture).post(reverse("command:directive_new"), data).status_code == 302
    assert Target.objects.count() == 9  # Changsha's nine districts and counties


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deadline": "2020-01-31T08:00"}, "The deadline must be in the future."),
        ({"targets": ["4302"]}, "is not a region below the one issuing the directive"),
        ({"targets": [CHANGSHA]}, "is not a region below the one issuing the directive"),
        ({"targets": []}, "Name at least one region below yours."),
        ({"title": ""}, "This field is required."),
        ({"deadline": "tomorrow"}, "Enter a valid date/time."),
        ({"down_to": "prefecture"}, "Choose a level below the one issuing the directive."),
    ],
)
def test_issue_bad_input_is_refused_next_to_the_field(prefecture, overrides, message):
    before = writes()
    response = signed_in(prefecture).post(reverse("command:directive_new"), issue_form(**overrides))
    assert response.status_code == 400
    assert message in page_of(response)
    assert writes() == before


def test_issue_needs_command_issue(make_user):
    worker = make_user(Role.GRID_WORKER, FURONG + "001001")
    assert signed_in(worker).get(reverse("command:directive_new")).status_code == 403
    assert signed_in(worker).post(reverse("command:directive_new"), issue_form()).status_code == 403
    assert Directive.objects.count() == 0


def test_sent_list_and_empty_state(prefecture, furong, directive):
    html = page_of(signed_in(prefecture).get(reverse("command:sent")))
    assert directive.title in html and reverse("command:directive_detail", args=[directive.pk]) in html
    assert "Your level has not issued a directive yet." in page_of(
        signed_in(furong).get(reverse("command:sent"))
    )


# A directive's board -------------------------------------------------------------------------------


def test_board_by_region_with_drill_down(prefecture, furong, make_user):
    directive = issue(prefecture, CHANGSHA, [FURONG, TIANXIN], down_to="township")
    signed_in(furong).post(
        reverse("command:target_complete", args=[target_of(directive, FURONG).pk]), {"note": "ok"}
    )
    client = signed_in(prefecture)
    url = reverse("command:directive_detail", args=[directive.pk])
    response = client.get(url)
    html = page_of(response)
    assert response.status_code == 200
    assert "Board by region" in html and 'hx-trigger="every 30s"' in html
    assert f'data-region="{FURONG}"' in html and f'data-region="{TIANXIN}"' in html
    assert f"?region={FURONG}" in html  # drill down to the townships
    down = client.get(url, {"region": FURONG})
    assert down.status_code == 200
    assert f'data-region="{FURONG}001"' in page_of(down)
    assert f"?region={FURONG}001" not in page_of(down)  # townships are the lowest level here


def test_board_refresh_is_a_partial(prefecture, directive):
    url = reverse("command:directive_detail", args=[directive.pk])
    response = signed_in(prefecture).get(url, HTTP_HX_REQUEST="true")
    html = page_of(response)
    assert response.status_code == 200
    assert 'id="board"' in html and "<html" not in html


def test_board_highlights_overdue_and_escalated(prefecture, directive):
    from fangyi.command.services import directives_escalate

    later = NOW + dt.timedelta(days=3)
    directives_escalate(now=later)
    with clock.frozen_at(later):
        html = page_of(signed_in(prefecture).get(reverse("command:directive_detail", args=[directive.pk])))
    assert "row--escalated" in html and "overdue by" in html


def test_board_outside_the_jurisdiction_is_not_found(prefecture, furong, make_user, directive):
    url = reverse("command:directive_detail", args=[directive.pk])
    assert signed_in(furong).get(url, {"region": TIANXIN}).status_code == 404
    stranger = make_user(Role.PREFECTURE_OFFICIAL, ZHUZHOU)
    assert signed_in(stranger).get(url).status_code == 404


def test_attachment_download(furong, directive):
    attachment = directive.attachments.get()
    response = signed_in(furong).get(reverse("command:attachment", args=[directive.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"notice"
    assert "attachment;" in response["Content-Disposition"]


def test_withdraw_by_the_issuer_only(prefecture, furong, directive):
    url = reverse("command:directive_withdraw", args=[directive.pk])
    assert 'id="withdraw"' not in page_of(
        signed_in(furong).get(reverse("command:directive_detail", args=[directive.pk]))
    )
    assert signed_in(furong).post(url).status_code == 404  # a receiving level: not its directive
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.ACTIVE
    assert signed_in(prefecture).post(url).status_code == 302
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.WITHDRAWN


# Response levels -------------------------------------------------------------------------------------


def test_response_levels_timeline_and_declaration(make_user):
    command = make_user(Role.PROVINCIAL_COMMAND, "43")
    client = signed_in(command)
    url = reverse("command:response_levels")
    assert "No response level has been declared." in page_of(client.get(url))
    response = client.post(url, {"level": "I", "start_date": "2020-01-23", "note": "一级响应"})
    assert response.status_code == 302
    html = page_of(client.get(url))
    assert 'id="response-chart"' in html and "response-data" in html and "echarts" in html
    assert 'data-level="I"' in html and 'id="response-declare"' in html


def test_response_level_bad_input_and_permissions(make_user, furong):
    command = make_user(Role.PROVINCIAL_COMMAND, "43")
    url = reverse("command:response_levels")
    response = signed_in(command).post(url, {"level": "IV", "start_date": "2020-01-23"})
    assert response.status_code == 400 and 'id="id_level_error"' in page_of(response)
    html = page_of(signed_in(furong).get(url))
    assert 'id="response-declare"' not in html
    assert signed_in(furong).post(url, {"level": "I", "start_date": "2020-01-23"}).status_code == 403
    assert ResponseLevelPeriod.objects.count() == 0
    assert signed_in(make_user(Role.CLINIC_STAFF, FURONG)).get(url).status_code == 403
