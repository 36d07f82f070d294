import datetime as dt

import pytest
from tests.command.conftest import COUNTY, OTHER_COUNTY, PREFECTURE, TOWNSHIP, VILLAGE

from fangyi.command import selectors, services
from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.command.models import Attachment, Directive, Target
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.regions.models import Region

pytestmark = pytest.mark.django_db


def _nothing_written():
    assert not Directive.objects.exists()
    assert not Target.objects.exists()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="directive.").exists()


def _target(directive, region):
    return Target.objects.get(directive=directive, region_id=region)


# Issuing -----------------------------------------------------------------------------------------


def test_a_directive_reaches_the_named_township_and_every_village_below_it(county_directive):
    regions = set(Target.objects.filter(directive=county_directive).values_list("region_id", flat=True))
    below = set(Region.objects.filter(code__startswith=TOWNSHIP).values_list("code", flat=True))
    assert regions == below
    assert TOWNSHIP in regions and VILLAGE in regions and len(regions) > 1
    assert county_directive.issuer_id == COUNTY
    assert county_directive.status == DirectiveStatus.ACTIVE
    event = AuditEvent.objects.get(action="directive.issue", object_id=str(county_directive.pk))
    assert event.data["targets"] == len(regions)


def test_a_province_wide_directive_reaches_every_region_below_the_province(issue, province):
    prefectures = list(Region.objects.filter(parent_id="43").values_list("code", flat=True))
    directive = issue(province, "43", prefectures)
    expected = Region.objects.filter(code__startswith="43").exclude(code="43").count()
    assert expected > 30_000
    assert Target.objects.filter(directive=directive).count() == expected


def test_down_to_stops_the_cascade_at_that_level(issue, prefecture):
    directive = issue(prefecture, PREFECTURE, [COUNTY, OTHER_COUNTY], down_to="township")
    lengths = set(Target.objects.filter(directive=directive).values_list("region_id", flat=True))
    assert {len(code) for code in lengths} == {6, 9}


def test_named_regions_inside_one_another_reach_each_region_once(issue, county):
    directive = issue(county, COUNTY, [TOWNSHIP, VILLAGE])
    assert (
        Target.objects.filter(directive=directive).count()
        == Region.objects.filter(code__startswith=TOWNSHIP).count()
    )


def test_attachments_are_stored_with_the_directive(issue, county):
    directive = issue(
        county, COUNTY, [TOWNSHIP], attachments=[("../通知.pdf", "application/pdf", b"%PDF-1.4 test")]
    )
    attachment = directive.attachments.get()
    assert (attachment.name, attachment.content_type, attachment.size) == ("通知.pdf", "application/pdf", 13)
    assert bytes(attachment.data) == b"%PDF-1.4 test"
    assert attachment.target is None


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        (
            {"deadline": dt.datetime(2020, 2, 9, 9, 0, tzinfo=clock.SHANGHAI)},
            "directive.deadline_past",
            "deadline",
        ),
        ({"targets": [OTHER_COUNTY]}, "directive.target_not_below", "targets"),
        ({"targets": [COUNTY]}, "directive.target_not_below", "targets"),
        ({"targets": [PREFECTURE]}, "directive.target_not_below", "targets"),
        ({"targets": ["430102999"]}, "directive.unknown_region", "targets"),
        ({"targets": ["abc"]}, "directive.unknown_region", "targets"),
        ({"targets": []}, "directive.targets_required", "targets"),
        ({"targets": [VILLAGE], "down_to": "township"}, "directive.target_below_down_to", "targets"),
        ({"down_to": "county"}, "directive.invalid_down_to", "down_to"),
        ({"down_to": "street"}, "directive.invalid_down_to", "down_to"),
        ({"title": "  "}, "directive.title_required", "title"),
        ({"body": "x" * 8001}, "directive.body_too_long", "body"),
        ({"attachments": [("a.txt", "text/plain", b"x")] * 6}, "attachment.too_many", "attachments"),
        (
            {"attachments": [("big.bin", "application/octet-stream", b"x" * (5 * 1024 * 1024 + 1))]},
            "attachment.too_large",
            "attachments",
        ),
        ({"attachments": [("empty.txt", "text/plain", b"")]}, "attachment.empty", "attachments"),
        ({"issuer": "439999"}, "directive.unknown_region", "issuer"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(issue, county, fields, code, field):
    issuer = fields.pop("issuer", COUNTY)
    targets = fields.pop("targets", [TOWNSHIP])
    with pytest.raises(DomainError) as refused:
        issue(county, issuer, targets, **fields)
    assert (refused.value.code, refused.value.field, refused.value.status) == (code, field, 400)
    _nothing_written()


def test_a_level_may_issue_only_as_itself(issue, county, prefecture):
    # A level above one's own is outside the jurisdiction: as if it did not exist.
    with pytest.raises(DomainError) as refused:
        issue(county, PREFECTURE, [OTHER_COUNTY])
    assert (refused.value.code, refused.value.field, refused.value.status) == (
        "region.not_found",
        "issuer",
        404,
    )
    # A level below one's own is inside it, but not one's level.
    with pytest.raises(DomainError) as refused:
        issue(prefecture, COUNTY, [TOWNSHIP])
    assert (refused.value.code, refused.value.status) == ("directive.not_your_level", 403)
    _nothing_written()


def test_a_grid_worker_cannot_issue(issue, grid_worker):
    with pytest.raises(DomainError) as refused:
        issue(grid_worker, VILLAGE, [VILLAGE])
    assert refused.value.status == 403
    _nothing_written()


# Acting on a directive ---------------------------------------------------------------------------


def test_the_township_acknowledges_reports_with_evidence_and_completes(county_directive, township):
    target = _target(county_directive, TOWNSHIP)
    services.target_acknowledge(actor=township, target_id=target.pk)
    target.refresh_from_db()
    assert target.status == TargetStatus.ACKNOWLEDGED and target.acknowledged_at is not None
    services.target_acknowledge(actor=township, target_id=target.pk)  # again: nothing changes
    assert AuditEvent.objects.filter(action="target.acknowledge").count() == 1

    services.target_report(
        actor=township,
        target_id=target.pk,
        progress=40,
        note="已排查 4 个村",
        evidence=("表.xlsx", "x", b"data"),
    )
    target.refresh_from_db()
    assert (target.status, target.progress, target.note) == (TargetStatus.IN_PROGRESS, 40, "已排查 4 个村")
    assert target.updated_by == township
    evidence = target.evidence.get()
    assert (evidence.name, evidence.directive_id) == ("表.xlsx", county_directive.pk)

    services.target_report(actor=township, target_id=target.pk, progress=40, note="same")
    services.target_complete(actor=township, target_id=target.pk, note="全部完成")
    target.refresh_from_db()
    assert (target.status, target.progress) == (TargetStatus.COMPLETED, 100)
    assert target.completed_at is not None


def test_a_grid_worker_acts_on_the_village_target(county_directive, grid_worker):
    target = _target(county_directive, VILLAGE)
    services.target_report(actor=grid_worker, target_id=target.pk, progress=10, note="")
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS
    assert target.acknowledged_at is not None  # reporting acknowledges


def _unchanged(target):
    fresh = Target.objects.get(pk=target.pk)
    assert (fresh.status, fresh.progress, fresh.acknowledged_at) == (TargetStatus.PENDING, 0, None)
    assert not fresh.evidence.exists()
    assert not AuditEvent.objects.filter(action__startswith="target.").exists()


@pytest.mark.parametrize("action", ["acknowledge", "report", "complete"])
def test_a_target_of_a_region_below_is_not_addressed_to_you(county_directive, county, township, action):
    """The county sees the village's target but does not act for it: 403, nothing written."""
    for actor, region in ((county, TOWNSHIP), (township, VILLAGE)):
        target = _target(county_directive, region)
        with pytest.raises(DomainError) as refused:
            _act(action, actor, target)
        assert (refused.value.code, refused.value.status) == ("directive.not_addressed_to_you", 403)
        _unchanged(target)


@pytest.mark.parametrize("action", ["acknowledge", "report", "complete"])
def test_a_target_outside_the_jurisdiction_is_not_found(county_directive, other_county, make_user, action):
    target = _target(county_directive, TOWNSHIP)
    with pytest.raises(DomainError) as refused:
        _act(action, other_county, target)
    assert (refused.value.code, refused.value.status) == ("target.not_found", 404)
    _unchanged(target)


def _act(action, actor, target, **fields):
    if action == "acknowledge":
        return services.target_acknowledge(actor=actor, target_id=target.pk)
    if action == "report":
        return services.target_report(
            actor=actor,
            target_id=target.pk,
            progress=fields.get("progress", 50),
            note="x",
            evidence=("e.txt", "", b"1"),
        )
    return services.target_complete(
        actor=actor, target_id=target.pk, note="done", evidence=("e.txt", "", b"1")
    )


def test_an_unknown_or_malformed_target_is_not_found(township):
    for target_id in ("00000000-0000-0000-0000-000000000000", "nonsense"):
        with pytest.raises(DomainError) as refused:
            services.target_acknowledge(actor=township, target_id=target_id)
        assert refused.value.status == 404


@pytest.mark.parametrize("progress", [-1, 101, 50.5, "50", True, None])
def test_progress_out_of_range_is_refused(county_directive, township, progress):
    target = _target(county_directive, TOWNSHIP)
    with pytest.raises(DomainError) as refused:
        services.target_report(actor=township, target_id=target.pk, progress=progress, note="")
    assert (refused.value.code, refused.value.field) == ("target.progress_invalid", "progress")
    _unchanged(target)


def test_progress_never_goes_down(county_directive, township):
    target = _target(county_directive, TOWNSHIP)
    services.target_report(actor=township, target_id=target.pk, progress=60, note="")
    with pytest.raises(DomainError) as refused:
        services.target_report(
            actor=township, target_id=target.pk, progress=59, note="", evidence=("e", "", b"1")
        )
    assert (refused.value.code, refused.value.status) == ("target.progress_down", 409)
    target.refresh_from_db()
    assert target.progress == 60
    assert not target.evidence.exists()


def test_a_completed_target_is_final(county_directive, township):
    target = _target(county_directive, TOWNSHIP)
    services.target_complete(actor=township, target_id=target.pk, note="")
    for action in ("acknowledge", "report", "complete"):
        with pytest.raises(DomainError) as refused:
            _act(action, township, target, progress=100)
        assert (refused.value.code, refused.value.status) == ("target.completed", 409)
    assert not target.evidence.exists()


def test_a_note_too_long_is_refused(county_directive, township):
    target = _target(county_directive, TOWNSHIP)
    with pytest.raises(DomainError) as refused:
        services.target_report(actor=township, target_id=target.pk, progress=1, note="x" * 513)
    assert (refused.value.code, refused.value.field) == ("target.note_too_long", "note")
    _unchanged(target)


# Withdrawing -------------------------------------------------------------------------------------


def test_the_issuing_level_withdraws_and_the_targets_stop_asking(county_directive, county, township):
    services.directive_withdraw(actor=county, directive_id=county_directive.pk)
    county_directive.refresh_from_db()
    assert county_directive.status == DirectiveStatus.WITHDRAWN
    target = _target(county_directive, TOWNSHIP)
    with pytest.raises(DomainError) as refused:
        services.target_acknowledge(actor=township, target_id=target.pk)
    assert (refused.value.code, refused.value.status) == ("directive.withdrawn", 409)
    assert not selectors.directive_inbox(actor=township).exists()
    with pytest.raises(DomainError) as refused:
        services.directive_withdraw(actor=county, directive_id=county_directive.pk)
    assert refused.value.code == "directive.withdrawn"


def test_only_the_issuing_level_withdraws(county_directive, prefecture, township, other_county):
    with pytest.raises(DomainError) as refused:
        services.directive_withdraw(actor=prefecture, directive_id=county_directive.pk)
    assert (refused.value.code, refused.value.status) == ("directive.not_your_level", 403)
    for outsider in (township, other_county):
        with pytest.raises(DomainError) as refused:
            services.directive_withdraw(actor=outsider, directive_id=county_directive.pk)
        assert refused.value.status == 404
    county_directive.refresh_from_db()
    assert county_directive.status == DirectiveStatus.ACTIVE


# Reading -----------------------------------------------------------------------------------------


def test_the_inbox_holds_the_targets_of_ones_own_region_open_first(issue, county, township, now):
    first = issue(county, COUNTY, [TOWNSHIP], title="first", deadline=now + dt.timedelta(days=5))
    second = issue(county, COUNTY, [TOWNSHIP], title="second", deadline=now + dt.timedelta(days=1))
    third = issue(county, COUNTY, [TOWNSHIP], title="third", deadline=now + dt.timedelta(days=2))
    services.target_complete(actor=township, target_id=_target(second, TOWNSHIP).pk, note="")
    inbox = list(selectors.directive_inbox(actor=township))
    assert [t.directive.title for t in inbox] == ["third", "first", "second"]
    assert {t.region_id for t in inbox} == {TOWNSHIP}
    assert third and first


def test_sent_directives_of_ones_own_level_with_counts(county_directive, county, township, prefecture):
    services.target_complete(actor=township, target_id=_target(county_directive, TOWNSHIP).pk, note="")
    sent = list(selectors.directive_sent(actor=county))
    assert [d.pk for d in sent] == [county_directive.pk]
    assert sent[0].completed_count == 1
    assert sent[0].target_count == Region.objects.filter(code__startswith=TOWNSHIP).count()
    assert not selectors.directive_sent(actor=prefecture).exists()


def test_a_directive_is_read_by_its_issuing_side_and_the_regions_it_reached(
    county_directive, prefecture, grid_worker, other_county
):
    for reader in (prefecture, grid_worker):
        assert selectors.directive_get(actor=reader, directive_id=county_directive.pk) == county_directive
    with pytest.raises(DomainError) as refused:
        selectors.directive_get(actor=other_county, directive_id=county_directive.pk)
    assert refused.value.status == 404


def test_the_board_counts_each_child_region(county_directive, county, township, grid_worker, other_county):
    villages = Region.objects.filter(parent_id=TOWNSHIP).count()
    services.target_acknowledge(actor=township, target_id=_target(county_directive, TOWNSHIP).pk)
    services.target_complete(actor=grid_worker, target_id=_target(county_directive, VILLAGE).pk, note="")

    rows = selectors.directive_board(actor=county, directive_id=county_directive.pk)
    assert [row["region"] for row in rows] == [TOWNSHIP]
    assert rows[0]["targets"] == villages + 1
    assert (rows[0]["acknowledged"], rows[0]["completed"]) == (1, 1)
    assert rows[0]["pending"] == villages - 1
    assert rows[0]["percent_completed"] == 100 // (villages + 1)

    by_village = selectors.directive_board(actor=county, directive_id=county_directive.pk, region=TOWNSHIP)
    assert len(by_village) == villages
    done = next(row for row in by_village if row["region"] == VILLAGE)
    assert (done["targets"], done["completed"], done["percent_completed"], done["overdue"]) == (1, 1, 100, 0)
    # The township's own board starts at its region; a region outside is not found.
    assert len(selectors.directive_board(actor=township, directive_id=county_directive.pk)) == villages
    with pytest.raises(DomainError):
        selectors.directive_board(actor=township, directive_id=county_directive.pk, region=COUNTY)
    with pytest.raises(DomainError):
        selectors.directive_board(actor=other_county, directive_id=county_directive.pk)
