"""Every write of unified command: directives down to the villages and what each region reports
on them, their escalation, and the archived daily situation reports.

Each service validates its input first, then the state, then writes in one transaction with its
audit event, so a refused request leaves nothing behind.
"""

import datetime as dt
import posixpath
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.command.errors import (
    conflict,
    directive_not_found,
    directive_withdrawn,
    invalid,
    not_addressed_to_you,
    not_your_level,
    target_completed,
    target_not_found,
    text_too_long,
)
from fangyi.command.models import Attachment, Directive, Sitrep, Target
from fangyi.command.selectors import ISSUE, RESPOND, VIEW, sitrep_build, sitrep_region
from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.regions.choices import PATH_LENGTH, Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path

TITLE_MAX = 128
BODY_MAX = 8000
NOTE_MAX = 512
TARGETS_MAX = 500  # regions named by hand; each brings every region below it along
ATTACHMENTS_MAX = 5
ATTACHMENT_BYTES_MAX = 5 * 1024 * 1024
FILE_NAME_MAX = 128
CONTENT_TYPE_MAX = 64
BULK_BATCH = 2000
# How far down a directive may reach: any level below the province.
DOWN_TO_LEVELS = (Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)

File = tuple[str, str, bytes]


def _text(value: str, code: str, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(f"{code}_required", _("This field is required."), field)
    if len(text) > limit:
        raise text_too_long(f"{code}_too_long", field, limit)
    return text


def _files(files: Iterable[File] | None, field: str, limit: int) -> list[File]:
    """Checked copies of uploaded files: at most `limit`, each named, non-empty and ≤ 5 MB."""
    checked: list[File] = []
    for name, content_type, data in list(files or ()):
        if len(checked) == limit:
            raise invalid("attachment.too_many", _("Attach at most %(limit)s files."), field, limit=limit)
        base = posixpath.basename(str(name or "").replace("\\", "/")).strip()
        if not base or len(base) > FILE_NAME_MAX:
            raise invalid(
                "attachment.invalid_name",
                _("A file needs a name of at most %(limit)s characters."),
                field,
                limit=FILE_NAME_MAX,
            )
        if not data:
            raise invalid("attachment.empty", _("The file “%(name)s” is empty."), field, name=base)
        if len(data) > ATTACHMENT_BYTES_MAX:
            raise invalid(
                "attachment.too_large",
                _("The file “%(name)s” is larger than %(limit)s MB."),
                field,
                name=base,
                limit=ATTACHMENT_BYTES_MAX // (1024 * 1024),
            )
        kind = (content_type or "").strip()[:CONTENT_TYPE_MAX] or "application/octet-stream"
        checked.append((base, kind, bytes(data)))
    return checked


def _attach(directive: Directive, files: list[File], target: Target | None = None) -> None:
    Attachment.objects.bulk_create(
        Attachment(
            directive=directive, target=target, name=name, content_type=kind, data=data, size=len(data)
        )
        for name, kind, data in files
    )


def _path(raw: Any, field: str) -> str:
    try:
        return region_path(str(raw))
    except DomainError:
        raise invalid(
            "directive.unknown_region", _("No region has the code “%(value)s”."), field, value=raw
        ) from None


def _deadline(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise invalid("directive.deadline_invalid", _("Give the deadline as a date and time."), "deadline")
    moment = timezone.make_aware(value, clock.SHANGHAI) if timezone.is_naive(value) else value
    if moment <= clock.now():
        raise invalid("directive.deadline_past", _("The deadline must be in the future."), "deadline")
    return moment


def _target_paths(issuer: str, targets: Sequence[Any], down_to: str) -> list[str]:
    """The named regions, each strictly below the issuer and not below `down_to`, without those
    already inside another named region."""
    if not targets:
        raise invalid("directive.targets_required", _("Name at least one region below yours."), "targets")
    if len(targets) > TARGETS_MAX:
        raise invalid(
            "directive.too_many_targets", _("Name at most %(limit)s regions."), "targets", limit=TARGETS_MAX
        )
    paths = sorted({_path(raw, "targets") for raw in targets})
    for path in paths:
        if not path.startswith(issuer) or path == issuer:
            raise invalid(
                "directive.target_not_below",
                _("%(value)s is not a region below the one issuing the directive."),
                "targets",
                value=path,
            )
        if len(path) > PATH_LENGTH[Level(down_to)]:
            raise invalid(
                "directive.target_below_down_to",
                _("%(value)s lies below the lowest level this directive reaches."),
                "targets",
                value=path,
            )
    known = set(Region.objects.filter(code__in=paths).values_list("code", flat=True))
    for path in paths:
        if path not in known:
            raise invalid(
                "directive.unknown_region", _("No region has the code “%(value)s”."), "targets", value=path
            )
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def _cascade(paths: list[str], down_to: str) -> list[str]:
    """Every region at or below the named ones, down to the level `down_to`."""
    levels = [level for level in DOWN_TO_LEVELS if PATH_LENGTH[level] <= PATH_LENGTH[Level(down_to)]]
    under = Q()
    for path in paths:
        under |= Q(code__startswith=path)
    return list(Region.objects.filter(under, level__in=levels).values_list("code", flat=True))


def directive_issue(
    *,
    actor: Actor,
    issuer: str,
    title: str,
    body: str,
    targets: Sequence[str],
    deadline: dt.datetime,
    down_to: str = Level.VILLAGE,
    attachments: Iterable[File] = (),
) -> Directive:
    """Issue a directive from the actor's command level `issuer` to regions below it; every region
    under each of them down to `down_to` receives it too (a province-wide one: some 31,600)."""
    require(actor, ISSUE)
    title = _text(title, "directive.title", "title", TITLE_MAX, required=True)
    body = _text(body, "directive.body", "body", BODY_MAX, required=True)
    moment = _deadline(deadline)
    files = _files(attachments, "attachments", ATTACHMENTS_MAX)
    issuer_path = _path(issuer, "issuer")
    if not Region.objects.filter(code=issuer_path).exists():
        raise invalid(
            "directive.unknown_region", _("No region has the code “%(value)s”."), "issuer", value=issuer
        )
    if not covers(actor, ISSUE, issuer_path):  # outside the jurisdiction: as if it did not exist
        error = region_not_found()
        error.field = "issuer"
        raise error
    if issuer_path not in actor.prefixes_for(ISSUE):
        raise not_your_level()
    if down_to not in DOWN_TO_LEVELS or PATH_LENGTH[Level(down_to)] <= len(issuer_path):
        raise invalid(
            "directive.invalid_down_to", _("Choose a level below the one issuing the directive."), "down_to"
        )
    regions = _cascade(_target_paths(issuer_path, targets, down_to), down_to)
    with transaction.atomic():
        directive = Directive.objects.create(
            title=title,
            body=body,
            issuer_id=issuer_path,
            down_to=down_to,
            deadline=moment,
            issued_by_id=actor.pk,
        )
        Target.objects.bulk_create(
            (Target(directive=directive, region_id=code) for code in regions), batch_size=BULK_BATCH
        )
        _attach(directive, files)
        audit_record(
            actor=actor,
            action="directive.issue",
            obj=directive,
            region_path=issuer_path,
            data={
                "targets": len(regions),
                "named": list(targets)[:TARGETS_MAX],
                "down_to": down_to,
                "deadline": moment.isoformat(),
                "attachments": [name for name, _kind, _data in files],
            },
        )
    return directive


# What a region does with a directive it received ---------------------------------------------------


def _own_target(actor: Actor, target_id: Any) -> Target:
    """The target, locked, if it is the actor's own region's (held with command.respond at exactly
    that region); a target of another region is refused: 403 in the actor's jurisdiction, else
    not found."""
    require(actor, RESPOND)
    target = row_by_key(Target.objects.select_for_update().select_related("directive"), target_id)
    if target is None:
        raise target_not_found()
    if target.region_id not in actor.prefixes_for(RESPOND):
        if covers(actor, VIEW, target.region_id) or covers(actor, RESPOND, target.region_id):
            raise not_addressed_to_you()
        raise target_not_found()
    if target.directive.status == DirectiveStatus.WITHDRAWN:
        raise directive_withdrawn()
    if target.status == TargetStatus.COMPLETED:
        raise target_completed()
    return target


def _record(actor: Actor, target: Target, action: str, files: list[File], **data: Any) -> Target:
    target.updated_by_id = actor.pk
    target.save()
    _attach(target.directive, files, target)
    audit_record(
        actor=actor,
        action=action,
        obj=target,
        region_path=target.region_id,
        data={**data, "evidence": [name for name, _kind, _data in files]},
    )
    return target


@transaction.atomic
def target_acknowledge(*, actor: Actor, target_id: Any) -> Target:
    """Acknowledge receipt; acknowledging again changes nothing."""
    target = _own_target(actor, target_id)
    if target.acknowledged_at is not None:
        return target
    target.acknowledged_at = clock.now()
    target.status = TargetStatus.ACKNOWLEDGED
    return _record(actor, target, "target.acknowledge", [])


def _progress(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise invalid(
            "target.progress_invalid", _("Progress is a whole percentage from 0 to 100."), "progress"
        )
    return value


@transaction.atomic
def target_report(
    *, actor: Actor, target_id: Any, progress: int, note: str, evidence: File | None = None
) -> Target:
    """Report progress (a percentage that never goes down), with a note and optional evidence.
    Reporting acknowledges a directive not yet acknowledged."""
    progress = _progress(progress)
    note = _text(note, "target.note", "note", NOTE_MAX, required=False)
    files = _files([evidence] if evidence else [], "evidence", 1)
    target = _own_target(actor, target_id)
    if progress < target.progress:
        raise conflict(
            "target.progress_down",
            _("Progress cannot go below the %(current)s percent already reported."),
            "progress",
            current=target.progress,
        )
    now = clock.now()
    target.acknowledged_at = target.acknowledged_at or now
    target.status = TargetStatus.IN_PROGRESS
    target.progress = progress
    target.note = note
    return _record(actor, target, "target.report", files, progress=progress, note=note)


@transaction.atomic
def target_complete(*, actor: Actor, target_id: Any, note: str, evidence: File | None = None) -> Target:
    """Report the directive carried out here. Final: nothing more is reported afterwards."""
    note = _text(note, "target.note", "note", NOTE_MAX, required=False)
    files = _files([evidence] if evidence else [], "evidence", 1)
    target = _own_target(actor, target_id)
    now = clock.now()
    target.acknowledged_at = target.acknowledged_at or now
    target.completed_at = now
    target.status = TargetStatus.COMPLETED
    target.progress = 100
    target.note = note or target.note
    return _record(actor, target, "target.complete", files, note=note)


@transaction.atomic
def directive_withdraw(*, actor: Actor, directive_id: Any) -> Directive:
    """Withdraw a directive: only its issuing level may; its targets stop asking for action."""
    require(actor, ISSUE)
    directive = row_by_key(Directive.objects.select_for_update(), directive_id)
    if directive is None or not (
        covers(actor, VIEW, directive.issuer_id) or covers(actor, ISSUE, directive.issuer_id)
    ):
        raise directive_not_found()
    if directive.issuer_id not in actor.prefixes_for(ISSUE):
        raise not_your_level()
    if directive.status == DirectiveStatus.WITHDRAWN:
        raise directive_withdrawn()
    directive.status = DirectiveStatus.WITHDRAWN
    directive.save(update_fields=["status"])
    audit_record(actor=actor, action="directive.withdraw", obj=directive, region_path=directive.issuer_id)
    return directive


@transaction.atomic
def directives_escalate(*, now: dt.datetime | None = None) -> int:
    """Mark every target past its directive's deadline and not completed as escalated, once: the
    level above sees it on its board. Returns how many were escalated."""
    moment = now or clock.now()
    overdue = Target.objects.filter(
        directive__status=DirectiveStatus.ACTIVE, directive__deadline__lt=moment, escalated_at__isnull=True
    ).exclude(status=TargetStatus.COMPLETED)
    per_directive = dict(overdue.order_by().values_list("directive_id").annotate(n=Count("id")))
    if not per_directive:
        return 0
    escalated = Target.objects.filter(pk__in=overdue.values("pk")).update(escalated_at=moment)
    for directive in Directive.objects.filter(pk__in=per_directive):
        audit_record(
            actor=None,
            action="directive.escalate",
            obj=directive,
            region_path=directive.issuer_id,
            data={"targets": per_directive[directive.pk], "at": moment.isoformat()},
        )
    return escalated


# Situation reports -------------------------------------------------------------------------------


def sitrep_generate(*, actor: Actor | None, region: str, date: dt.date) -> Sitrep:
    """Assemble the region's report of `date` from every module and archive it; generating the same
    day again replaces it. `actor` None: the daily task."""
    if actor is not None:
        require(actor, ISSUE)
    place = sitrep_region(actor=actor, capability=ISSUE, code=region)
    if date > clock.today():
        raise invalid("sitrep.date_in_future", _("A situation report cannot be for a future day."), "date")
    content = sitrep_build(region=place, date=date)
    try:
        return _sitrep_store(actor, place, date, content)
    except IntegrityError:  # two first generations of a day at once: the later one replaces
        return _sitrep_store(actor, place, date, content)


@transaction.atomic
def _sitrep_store(actor: Actor | None, region: Region, date: dt.date, content: dict[str, Any]) -> Sitrep:
    sitrep, created = Sitrep.objects.update_or_create(
        region=region,
        date=date,
        defaults={
            "content": content,
            "generated_at": clock.now(),
            "generated_by_id": getattr(actor, "pk", None),
        },
    )
    audit_record(
        actor=actor,
        action="sitrep.generate" if created else "sitrep.regenerate",
        obj=sitrep,
        region_path=region.code,
        data={"date": date.isoformat()},
    )
    return sitrep


def sitreps_generate_daily(*, date: dt.date | None = None) -> list[Sitrep]:
    """The day's reports of the province and of each prefecture (regenerated if already made)."""
    day = date or clock.today()
    regions = Region.objects.filter(level__in=[Level.PROVINCE, Level.PREFECTURE]).order_by("code")
    return [sitrep_generate(actor=None, region=region.code, date=day) for region in regions]
