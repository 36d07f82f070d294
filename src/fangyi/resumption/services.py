"""Every write of enterprise resumption: the enterprise registry and its import, parks, liaisons
and their visits, prevention plans, employees and their daily health reports, applications to
resume and the county's decision, and the daily resumption reports behind the statistics.

Each service checks who may act, validates everything, then writes in one transaction with its
AuditEvent: a refused request writes nothing.
"""

import datetime as dt
import os
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment
from fangyi.core import clock, pii
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import DomainError
from fangyi.core.models import Job
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record, job_create, job_run_import
from fangyi.core.validators import (
    body_temperature,
    credit_code_check,
    in_body_temperature_range,
    parse_id_number,
)
from fangyi.healthpass.choices import Colour
from fangyi.healthpass.selectors import colour_state_of
from fangyi.people.imports import ImportRow, check_size, rows_from_file
from fangyi.people.models import Person
from fangyi.people.services import person_register
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import id_address_code_known, region_path
from fangyi.resumption.choices import ApplicationStatus, Industry, PlanItem, ResumptionStatus
from fangyi.resumption.errors import (
    application_not_found,
    assignment_not_found,
    conflict,
    date_in_future,
    forbidden,
    invalid,
    not_found,
    park_not_found,
    text_too_long,
)
from fangyi.resumption.models import (
    Employee,
    Enterprise,
    HealthReport,
    HealthReportLine,
    LiaisonAssignment,
    LiaisonVisit,
    Park,
    PreventionPlan,
    ResumptionApplication,
    ResumptionDay,
)
from fangyi.resumption.selectors import (
    MANAGE,
    RESUMED,
    VIEW,
    enterprise_for_action,
    has_approved_application,
    park_get,
    plan_checked,
    plan_missing,
)

ProgressCallback = Callable[[int, int, str], None]

NAME_MAX = 128
ADDRESS_MAX = 256
NOTES_MAX = 4000
PLAN_NOTES_MAX = 2000
DECISION_NOTE_MAX = 500
WORKFORCE_MAX = 10_000_000
FEVER = Decimal("37.3")
# The fields enterprise_update may change.
ENTERPRISE_FIELDS = frozenset(
    {
        "credit_code",
        "name",
        "industry",
        "region",
        "large_scale",
        "key_project",
        "park_id",
        "address",
        "workforce",
    }
)


def _text(value: str, code: str, field: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(f"{code}.{field}_required", _("This field is required."), field)
    if len(text) > limit:
        raise text_too_long(f"{code}.{field}_too_long", field, limit)
    return text


def _count(value: Any, code: str, field: str, *, maximum: int = WORKFORCE_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise invalid(code, _("Give a whole number from 0 to %(maximum)s."), field, maximum=maximum)
    return value


def _past_day(value: dt.date, code: str, field: str = "date") -> dt.date:
    if value > clock.today():
        raise date_in_future(code, field)
    return value


# Enterprises and parks --------------------------------------------------------------------------


def _enterprise_region(actor: Actor, raw: str) -> Region:
    """A county or a division below it, inside the actor's jurisdiction for resumption.manage."""
    path = region_path(raw)
    if not covers(actor, MANAGE, path):
        raise region_not_found()
    if len(path) < 6:
        raise invalid(
            "enterprise.region_not_county",
            _("Register an enterprise in its county, township or village."),
            "region",
        )
    region = Region.objects.filter(code=path).first()
    if region is None:
        raise region_not_found()
    return region


def _enterprise_fields(actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """Validate the enterprise fields in `values` (any subset of ENTERPRISE_FIELDS) into model
    field values. A park must lie in the enterprise's county; `values["region"]` is required
    with a park."""
    fields: dict[str, Any] = {}
    if "credit_code" in values:
        fields["credit_code"] = credit_code_check(values["credit_code"])
    if "name" in values:
        fields["name"] = _text(values["name"], "enterprise", "name", NAME_MAX, required=True)
    if "industry" in values:
        if values["industry"] not in Industry.values:
            raise invalid("enterprise.invalid_industry", _("Unknown industry."), "industry")
        fields["industry"] = values["industry"]
    if "region" in values:
        fields["region"] = _enterprise_region(actor, values["region"])
    for flag in ("large_scale", "key_project"):
        if flag in values:
            fields[flag] = bool(values[flag])
    if "address" in values:
        fields["address"] = _text(values["address"], "enterprise", "address", ADDRESS_MAX)
    if "workforce" in values:
        fields["workforce"] = _count(values["workforce"], "enterprise.invalid_workforce", "workforce")
    if "park_id" in values:
        park = None
        if values["park_id"] is not None:
            park = park_get(actor=actor, park_id=values["park_id"], capability=MANAGE)
            if park.region_id[:6] != fields["region"].code[:6]:
                raise invalid(
                    "enterprise.park_other_county",
                    _("The park lies in another county than the enterprise."),
                    "park_id",
                )
        fields["park"] = park
    return fields


def enterprise_duplicate() -> DomainError:
    return conflict(
        "enterprise.duplicate",
        _("An enterprise with this unified social credit code is already registered."),
        "credit_code",
    )


def enterprise_register(
    *,
    actor: Actor,
    credit_code: str,
    name: str,
    industry: str,
    region: str,
    large_scale: bool = False,
    key_project: bool = False,
    park_id: int | None = None,
    address: str = "",
    workforce: int = 0,
) -> Enterprise:
    """Register an enterprise by its unified social credit code (once: 409 enterprise.duplicate)."""
    require(actor, MANAGE)
    fields = _enterprise_fields(
        actor,
        {
            "credit_code": credit_code,
            "name": name,
            "industry": industry,
            "region": region,
            "large_scale": large_scale,
            "key_project": key_project,
            "park_id": park_id,
            "address": address,
            "workforce": workforce,
        },
    )
    if Enterprise.objects.filter(credit_code=fields["credit_code"]).exists():
        raise enterprise_duplicate()
    enterprise = Enterprise(**fields)
    try:
        with transaction.atomic():
            enterprise.save(force_insert=True)
            audit_record(
                actor=actor,
                action="enterprise.register",
                obj=enterprise,
                region_path=enterprise.region_id,
                data={"credit_code": enterprise.credit_code},
            )
    except IntegrityError:
        raise enterprise_duplicate() from None
    return enterprise


def enterprise_update(*, actor: Actor, enterprise_id: Any, **changes: Any) -> Enterprise:
    """Change some of an enterprise's registered fields (resumption.manage over its old and new
    region). A park stays valid only in the enterprise's county."""
    unknown = set(changes) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"enterprise_update got unknown fields: {sorted(unknown)}")
    require(actor, MANAGE)
    with transaction.atomic():
        enterprise = enterprise_for_action(
            actor=actor,
            enterprise_id=enterprise_id,
            account=False,
            liaison=False,
            manage=True,
            rows=Enterprise.objects.select_for_update(),
        )
        values = dict(changes)
        if "park_id" in values or "region" in values:
            values.setdefault("region", enterprise.region_id)
            values.setdefault("park_id", enterprise.park_id)
        fields = _enterprise_fields(actor, values)
        code = fields.get("credit_code")
        if code and Enterprise.objects.filter(credit_code=code).exclude(pk=enterprise.pk).exists():
            raise enterprise_duplicate()
        before = {name: getattr(enterprise, name) for name in fields}
        for name, value in fields.items():
            setattr(enterprise, name, value)
        try:
            with transaction.atomic():
                enterprise.save()
        except IntegrityError:
            raise enterprise_duplicate() from None
        audit_record(
            actor=actor,
            action="enterprise.update",
            obj=enterprise,
            region_path=enterprise.region_id,
            data={name: str(getattr(value, "pk", value)) for name, value in before.items()},
        )
    return enterprise


def park_create(*, actor: Actor, name: str, region: str) -> Park:
    require(actor, MANAGE)
    text = _text(name, "park", "name", NAME_MAX, required=True)
    found = _enterprise_region(actor, region)
    if Park.objects.filter(region=found, name=text).exists():
        raise conflict("park.duplicate", _("This region already has a park of this name."), "name")
    park = Park(name=text, region=found)
    try:
        with transaction.atomic():
            park.save(force_insert=True)
            audit_record(actor=actor, action="park.create", obj=park, region_path=found.code)
    except IntegrityError:
        raise conflict("park.duplicate", _("This region already has a park of this name."), "name") from None
    return park


# Import -----------------------------------------------------------------------------------------

ENTERPRISES_IMPORT_JOB_KIND = "resumption.enterprises_import"
IMPORT_HEADER_ALIASES: dict[str, str] = {
    "统一社会信用代码": "credit_code",
    "信用代码": "credit_code",
    "credit_code": "credit_code",
    "creditcode": "credit_code",
    "企业名称": "name",
    "名称": "name",
    "name": "name",
    "行业": "industry",
    "industry": "industry",
    "区划代码": "region",
    "所在地代码": "region",
    "region": "region",
    "规上": "large_scale",
    "规模以上": "large_scale",
    "large_scale": "large_scale",
    "largescale": "large_scale",
    "重点项目": "key_project",
    "key_project": "key_project",
    "keyproject": "key_project",
    "园区": "park",
    "park": "park",
    "职工人数": "workforce",
    "员工人数": "workforce",
    "workforce": "workforce",
    "地址": "address",
    "address": "address",
}
IMPORT_REQUIRED_COLUMNS = ("credit_code", "name", "industry", "region")
IMPORT_FIELDS = (
    "credit_code",
    "name",
    "industry",
    "region",
    "large_scale",
    "key_project",
    "park",
    "workforce",
    "address",
)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "√"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否"})


def enterprise_rows_from_file(*, name: str, content: bytes) -> list[ImportRow]:
    """Every non-blank row of an enterprise list (CSV or .xlsx), or an error about the whole file."""
    return rows_from_file(
        name=name,
        content=content,
        aliases=IMPORT_HEADER_ALIASES,
        required=IMPORT_REQUIRED_COLUMNS,
        fields=IMPORT_FIELDS,
        no_rows=_("The file has a header row but no enterprises."),
    )


def _flag(text: str, field: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise invalid("enterprise.invalid_flag", _("Write 1 or 0 (是 or 否)."), field)


def _import_row(actor: Actor, values: dict[str, str], parks: dict[tuple[str, str], int]) -> Enterprise:
    """Validate one row of an enterprise list into an unsaved Enterprise."""
    workforce_text = values["workforce"].strip() or "0"
    if not workforce_text.isdigit():
        raise invalid(
            "enterprise.invalid_workforce",
            _("Give a whole number from 0 to %(maximum)s."),
            "workforce",
            maximum=WORKFORCE_MAX,
        )
    row: dict[str, Any] = {
        "credit_code": values["credit_code"],
        "name": values["name"],
        "industry": values["industry"].strip().lower(),
        "region": values["region"],
        "large_scale": _flag(values["large_scale"], "large_scale"),
        "key_project": _flag(values["key_project"], "key_project"),
        "address": values["address"],
        "workforce": int(workforce_text),
    }
    fields = _enterprise_fields(actor, row)
    park_name = values["park"].strip()
    if park_name:
        park_id = parks.get((fields["region"].code[:6], park_name))
        if park_id is None:
            raise park_not_found()
        fields["park_id"] = park_id
    return Enterprise(**fields)


def enterprises_import_rows(
    *, actor: Actor, rows: Iterable[ImportRow], progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Register the good rows of an enterprise list; every bad row is reported by its line with
    the error's code, and nothing of it is written. A credit code repeated in the file or already
    registered is an error of that row. A park is named, and must lie in the row's county."""
    require(actor, MANAGE)
    rows = list(rows)
    total = len(rows)
    parks = {
        (region_id[:6], name): pk
        for pk, region_id, name in Park.objects.filter(scope_q(actor, MANAGE, "region__code")).values_list(
            "pk", "region_id", "name"
        )
    }
    errors: list[dict[str, Any]] = []
    valid: list[tuple[int, Enterprise]] = []
    first_line_of: dict[str, int] = {}
    step = max(1, total // 100)
    for done, row in enumerate(rows, start=1):
        try:
            enterprise = _import_row(actor, {key: row.values.get(key, "") for key in IMPORT_FIELDS}, parks)
            if enterprise.credit_code in first_line_of:
                raise invalid(
                    "enterprise.duplicate_in_file",
                    _("This credit code is already on line %(line)s of the file."),
                    "credit_code",
                    line=first_line_of[enterprise.credit_code],
                )
            first_line_of[enterprise.credit_code] = row.line
            valid.append((row.line, enterprise))
        except DomainError as exc:
            errors.append(exc.as_row_error(row.line))
        if progress and (done % step == 0 or done == total):
            progress(done, total, "")
    taken = set(
        Enterprise.objects.filter(credit_code__in=list(first_line_of)).values_list("credit_code", flat=True)
    )
    imported = 0
    for line, enterprise in valid:
        if enterprise.credit_code in taken:
            errors.append(enterprise_duplicate().as_row_error(line))
            continue
        try:
            with transaction.atomic():
                enterprise.save(force_insert=True)
                audit_record(
                    actor=actor,
                    action="enterprise.register",
                    obj=enterprise,
                    region_path=enterprise.region_id,
                    data={"credit_code": enterprise.credit_code, "via": "import", "line": line},
                )
        except IntegrityError:
            errors.append(enterprise_duplicate().as_row_error(line))
            continue
        imported += 1
    errors.sort(key=lambda error: error["line"])
    return {"total": total, "imported": imported, "invalid": len(errors), "errors": errors}


def enterprises_import(*, actor: Actor, filename: str, content: bytes) -> dict[str, Any]:
    """Import an enterprise list at once (CSV or .xlsx): see enterprises_import_rows."""
    require(actor, MANAGE)
    return enterprises_import_rows(
        actor=actor, rows=enterprise_rows_from_file(name=filename, content=content)
    )


def enterprises_import_submit(*, actor: Actor, filename: str, content: bytes) -> Job:
    """Keep the uploaded enterprise list on a new job and queue the import for the worker."""
    require(actor, MANAGE)
    check_size(content)
    prefixes = sorted(actor.prefixes_for(MANAGE))
    job = job_create(
        actor=actor,
        kind=ENTERPRISES_IMPORT_JOB_KIND,
        region_path=prefixes[0] if len(prefixes) == 1 else "43",
        capability=VIEW,
        input_name=os.path.basename(filename or "upload"),
        input_data=content,
    )
    from fangyi.resumption.tasks import enterprises_import_task

    transaction.on_commit(lambda: enterprises_import_task.enqueue(str(job.pk)))
    return job


def enterprises_import_run(*, job_id: Any) -> Job | None:
    """The worker's side of an enterprise import (see core.services.job_run_import)."""
    return job_run_import(
        job_id=job_id,
        read_rows=lambda name, content: enterprise_rows_from_file(name=name, content=content),
        run=lambda actor, params, rows, progress: enterprises_import_rows(
            actor=actor, rows=rows, progress=progress
        ),
        succeeded=lambda result: bool(result["imported"] or not result["errors"]),
        summary=enterprises_import_summary,
    )


def enterprises_import_summary(result: dict[str, Any]) -> str:
    params = {"imported": result["imported"], "invalid": result["invalid"]}
    if result["errors"]:
        return (
            ngettext(
                "Imported %(imported)s enterprises; %(invalid)s row with errors was not written.",
                "Imported %(imported)s enterprises; %(invalid)s rows with errors were not written.",
                result["invalid"],
            )
            % params
        )
    return (
        ngettext(
            "Imported %(imported)s enterprise.", "Imported %(imported)s enterprises.", result["imported"]
        )
        % params
    )


# Liaisons ---------------------------------------------------------------------------------------


def _liaison_user(liaison_id: Any, path: str) -> Any:
    """An active user holding the enterprise-liaison role at a region covering `path`."""
    user = row_by_key(get_user_model().objects.filter(is_active=True), liaison_id)
    regions = RoleAssignment.objects.filter(user=user, role=Role.ENTERPRISE_LIAISON).values_list(
        "region_id", flat=True
    )
    if user is None or not any(path.startswith(region) for region in regions):
        raise invalid(
            "liaison.not_a_liaison",
            _("This user is not an enterprise liaison of this region."),
            "liaison_id",
        )
    return user


def liaison_assign(
    *, actor: Actor, liaison_id: Any, enterprise_id: Any = None, park_id: Any = None
) -> LiaisonAssignment:
    """Station a liaison at an enterprise, or in the liaison group of a park.

    A large-scale enterprise takes at most FANGYI_LIAISONS_PER_LARGE_ENTERPRISE liaisons of its
    own (409 liaison.too_many); a park's group may start smaller than FANGYI_PARK_LIAISON_GROUP
    and is reported understaffed until it is complete (selectors.park_liaison_gaps).
    """
    require(actor, MANAGE)
    if (enterprise_id is None) == (park_id is None):
        raise invalid(
            "liaison.target_required", _("Choose an enterprise or a park (one of the two)."), "enterprise_id"
        )
    with transaction.atomic():
        enterprise: Enterprise | None = None
        park: Park | None = None
        if enterprise_id is not None:
            enterprise = enterprise_for_action(
                actor=actor,
                enterprise_id=enterprise_id,
                account=False,
                liaison=False,
                manage=True,
                rows=Enterprise.objects.select_for_update(),
            )
            path = enterprise.region_id
        else:
            park = park_get(actor=actor, park_id=park_id, capability=MANAGE)
            path = park.region_id
        user = _liaison_user(liaison_id, path)
        active = LiaisonAssignment.objects.filter(ended_at__isnull=True, enterprise=enterprise, park=park)
        if active.filter(liaison=user).exists():
            raise conflict("liaison.duplicate", _("This liaison is already stationed here."), "liaison_id")
        limit = settings.FANGYI_LIAISONS_PER_LARGE_ENTERPRISE
        if enterprise is not None and enterprise.large_scale and active.count() >= limit:
            raise conflict(
                "liaison.too_many",
                _("A large enterprise has at most %(limit)s liaisons of its own."),
                "liaison_id",
                limit=limit,
            )
        try:
            with transaction.atomic():
                assignment = LiaisonAssignment.objects.create(
                    liaison=user, enterprise=enterprise, park=park, assigned_by_id=actor.pk
                )
        except IntegrityError:
            raise conflict(
                "liaison.duplicate", _("This liaison is already stationed here."), "liaison_id"
            ) from None
        audit_record(
            actor=actor,
            action="liaison.assign",
            obj=assignment,
            region_path=path,
            data={"liaison": user.pk, "enterprise": enterprise_id, "park": park_id},
        )
    return assignment


def liaison_end(*, actor: Actor, assignment_id: Any) -> LiaisonAssignment:
    require(actor, MANAGE)
    with transaction.atomic():
        assignment = row_by_key(
            LiaisonAssignment.objects.select_for_update(of=("self",)).select_related("enterprise", "park"),
            assignment_id,
        )
        target = None if assignment is None else (assignment.enterprise or assignment.park)
        if assignment is None or target is None or not covers(actor, MANAGE, target.region_id):
            raise assignment_not_found()
        if assignment.ended_at is not None:
            raise conflict("liaison.already_ended", _("This assignment has already ended."))
        assignment.ended_at = clock.now()
        assignment.save(update_fields=["ended_at"])
        audit_record(actor=actor, action="liaison.end", obj=assignment, region_path=target.region_id)
    return assignment


def visit_log(
    *, actor: Actor, enterprise_id: Any, notes: str, visited_at: dt.datetime | None = None
) -> LiaisonVisit:
    """A liaison records a visit to an enterprise they are stationed at."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id, account=False)
    text = _text(notes, "visit", "notes", NOTES_MAX, required=True)
    when = visited_at or clock.now()
    if when > clock.now():
        raise date_in_future("visit.in_future", "visited_at")
    with transaction.atomic():
        visit = LiaisonVisit.objects.create(
            enterprise=enterprise, liaison_id=actor.pk, visited_at=when, notes=text
        )
        audit_record(actor=actor, action="liaison.visit", obj=visit, region_path=enterprise.region_id)
    return visit


# Prevention plans -------------------------------------------------------------------------------


def plan_update(*, actor: Actor, enterprise_id: Any, items: list[str], notes: str = "") -> PreventionPlan:
    """The enterprise (or its liaison) records which measures are in place. A plan changed after
    its check must be checked again."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id)
    unknown = [item for item in items if item not in PlanItem.values]
    if unknown:
        raise invalid(
            "plan.unknown_item", _("Unknown measure: %(item)s."), "items", item=", ".join(map(str, unknown))
        )
    chosen = [item for item in PlanItem.values if item in items]
    text = _text(notes, "plan", "notes", PLAN_NOTES_MAX)
    with transaction.atomic():
        plan, _created = PreventionPlan.objects.select_for_update().get_or_create(enterprise=enterprise)
        plan.items = chosen
        plan.notes = text
        plan.updated_at = clock.now()
        plan.updated_by_id = actor.pk
        plan.save()
        audit_record(
            actor=actor,
            action="plan.update",
            obj=plan,
            region_path=enterprise.region_id,
            data={"items": chosen},
        )
    return plan


def plan_check(*, actor: Actor, enterprise_id: Any) -> PreventionPlan:
    """The liaison stationed at the enterprise confirms its complete plan (409 plan.incomplete)."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id, account=False)
    with transaction.atomic():
        plan = PreventionPlan.objects.select_for_update().filter(enterprise=enterprise).first()
        missing = plan_missing(plan)
        if plan is None or missing:
            labels = dict(PlanItem.choices)
            raise conflict(
                "plan.incomplete",
                _("The plan still lacks: %(missing)s."),
                "items",
                # Lazy, so the items come out in the language the refusal is read in.
                missing=format_lazy(
                    "; ".join("{}" for _item in missing), *(labels[item] for item in missing)
                ),
            )
        plan.checked_at = clock.now()
        plan.checked_by_id = actor.pk
        plan.save(update_fields=["checked_at", "checked_by"])
        audit_record(actor=actor, action="plan.check", obj=plan, region_path=enterprise.region_id)
    return plan


# Employees and daily health reports -------------------------------------------------------------


def employee_duplicate() -> DomainError:
    return conflict("employee.duplicate", _("This person is already on the staff list."), "id_number")


def employee_add(
    *, actor: Actor, enterprise_id: Any, name: str, id_number: str, home_region: str, phone: str = ""
) -> Employee:
    """Put a resident on the enterprise's staff list, registering them in people when new."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id)
    number = parse_id_number(id_number, known_region=id_address_code_known)
    person = Person.objects.filter(id_number_hash=pii.lookup_hash("id", number.value)).first()
    if person is not None and Employee.objects.filter(enterprise=enterprise, person=person).exists():
        raise employee_duplicate()
    try:
        with transaction.atomic():
            if person is None:
                # The enterprise registers its own staff: the system registers the resident.
                person = person_register(
                    actor=None, name=name, id_number=number.value, home_region=home_region, phone=phone
                )
            employee = Employee.objects.create(enterprise=enterprise, person=person)
            audit_record(actor=actor, action="employee.add", obj=employee, region_path=enterprise.region_id)
    except IntegrityError:
        raise employee_duplicate() from None
    return employee


def _line_values(
    raw: dict[str, Any], employees: dict[int, Employee]
) -> tuple[Employee, Decimal | None, bool, bool]:
    employee = employees.get(raw.get("employee_id"))  # type: ignore[arg-type]
    if employee is None:
        raise not_found("employee.not_found", _("No such employee of this enterprise."), "employee_id")
    temperature = None
    if raw.get("temperature") not in (None, ""):
        temperature = body_temperature(raw["temperature"])
        if temperature is None or not in_body_temperature_range(temperature):
            raise invalid(
                "health_report.invalid_temperature",
                _("A body temperature is between 34 and 43 °C."),
                "temperature",
            )
    return employee, temperature, bool(raw.get("symptoms")), bool(raw.get("on_site"))


def _state_on(enterprise: Enterprise, date: dt.date) -> str:
    """The enterprise's status on `date`: that of its latest ResumptionDay on or before it."""
    day = ResumptionDay.objects.filter(enterprise=enterprise, date__lte=date).order_by("-date").first()
    return day.status if day is not None else ResumptionStatus.NOT_RESUMED


def _day_record(
    *, actor: Actor, enterprise: Enterprise, date: dt.date, status: str, workforce: int, returned: int
) -> ResumptionDay:
    """Upsert the enterprise's ResumptionDay; the enterprise keeps the state of its latest day."""
    day, _created = ResumptionDay.objects.update_or_create(
        enterprise=enterprise,
        date=date,
        defaults={"status": status, "workforce": workforce, "returned": returned, "recorded_by_id": actor.pk},
    )
    if enterprise.status_date is None or date >= enterprise.status_date:
        enterprise.status = status
        enterprise.staff_returned = returned
        enterprise.status_date = date
        enterprise.save(update_fields=["status", "staff_returned", "status_date"])
    return day


def health_report_submit(
    *, actor: Actor, enterprise_id: Any, date: dt.date, lines: list[dict[str, Any]]
) -> HealthReport:
    """The day's health of the employees, one line each, with their health-code colour that day.
    An employee with a red or yellow code cannot be at work (400 health_report.code_not_green)."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id)
    _past_day(date, "health_report.date_in_future")
    active = {
        employee.pk: employee
        for employee in enterprise.employees.filter(active=True).select_related("person")
    }
    parsed = []
    seen: set[int] = set()
    for raw in lines:
        employee, temperature, symptoms, on_site = _line_values(raw, active)
        if employee.pk in seen:
            raise invalid(
                "health_report.duplicate_line",
                _("%(name)s is on the report twice."),
                "lines",
                name=employee.person.name,
            )
        seen.add(employee.pk)
        state = colour_state_of(employee.person)
        colour = state.colour if state is not None else ""
        if on_site and colour in (Colour.RED, Colour.YELLOW):
            raise invalid(
                "health_report.code_not_green",
                _("%(name)s holds a %(colour)s health code and cannot be at work."),
                "lines",
                name=employee.person.name,
                colour=Colour(colour).label,
            )
        parsed.append((employee, temperature, symptoms, on_site, colour))
    if not parsed:
        raise invalid("health_report.no_lines", _("Report at least one employee."), "lines")
    totals = {
        "employees": len(parsed),
        "on_site": sum(on_site for _e, _t, _s, on_site, _c in parsed),
        "fever": sum(
            1 for _e, temperature, _s, _o, _c in parsed if temperature is not None and temperature >= FEVER
        ),
        "code_green": sum(colour == Colour.GREEN for *_rest, colour in parsed),
        "code_yellow": sum(colour == Colour.YELLOW for *_rest, colour in parsed),
        "code_red": sum(colour == Colour.RED for *_rest, colour in parsed),
        "code_none": sum(colour == "" for *_rest, colour in parsed),
    }
    duplicate = conflict(
        "health_report.duplicate", _("Today's report of this enterprise is already in."), "date"
    )
    if HealthReport.objects.filter(enterprise=enterprise, date=date).exists():
        raise duplicate
    try:
        with transaction.atomic():
            report = HealthReport.objects.create(
                enterprise=enterprise, date=date, reported_by_id=actor.pk, **totals
            )
            HealthReportLine.objects.bulk_create(
                HealthReportLine(
                    report=report,
                    employee=employee,
                    temperature=temperature,
                    symptoms=symptoms,
                    on_site=on_site,
                    code_colour=colour,
                )
                for employee, temperature, symptoms, on_site, colour in parsed
            )
            locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
            _day_record(
                actor=actor,
                enterprise=locked,
                date=date,
                status=_state_on(locked, date),
                workforce=len(active),
                returned=totals["on_site"],
            )
            audit_record(
                actor=actor,
                action="health_report.submit",
                obj=report,
                region_path=enterprise.region_id,
                data=totals,
            )
    except IntegrityError:
        raise duplicate from None
    return report


# Applications and daily resumption --------------------------------------------------------------


def resumption_apply(
    *, actor: Actor, enterprise_id: Any, planned_date: dt.date, workforce_planned: int
) -> ResumptionApplication:
    """Apply to reopen, with the prevention plan as checked by the liaison after its last change."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id)
    workforce = _count(workforce_planned, "application.invalid_workforce", "workforce_planned")
    pending = conflict(
        "application.pending", _("An application of this enterprise is already waiting for the county.")
    )
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        plan = PreventionPlan.objects.filter(enterprise=locked).first()
        if not plan_checked(plan):
            raise conflict(
                "application.plan_not_checked",
                _("The prevention plan must be complete and checked by the liaison since its last change."),
            )
        if has_approved_application(locked):
            raise conflict(
                "application.already_approved", _("This enterprise is already approved to resume.")
            )
        if ResumptionApplication.objects.filter(
            enterprise=locked, status=ApplicationStatus.SUBMITTED
        ).exists():
            raise pending
        assert plan is not None
        try:
            with transaction.atomic():
                application = ResumptionApplication.objects.create(
                    enterprise=locked,
                    planned_date=planned_date,
                    workforce_planned=workforce,
                    plan_items=list(plan.items),
                    submitted_by_id=actor.pk,
                )
        except IntegrityError:
            raise pending from None
        audit_record(actor=actor, action="application.submit", obj=application, region_path=locked.region_id)
    return application


def resumption_decide(
    *, actor: Actor, application_id: Any, approve: bool, note: str = ""
) -> ResumptionApplication:
    """The county (or above) approves or refuses an application; a refusal gives its reason."""
    require(actor, MANAGE)
    text = _text(note, "application", "note", DECISION_NOTE_MAX)
    if not approve and not text:
        raise invalid("application.reason_required", _("Say why the application is refused."), "note")
    with transaction.atomic():
        application = row_by_key(
            ResumptionApplication.objects.select_for_update().select_related("enterprise"), application_id
        )
        if application is None or not covers(actor, VIEW, application.enterprise.region_id):
            raise application_not_found()
        county = application.enterprise.region_id[:6]
        if not covers(actor, MANAGE, county):
            raise forbidden(
                "application.not_county",
                _("The county of the enterprise, or a level above it, decides its application."),
            )
        if application.status != ApplicationStatus.SUBMITTED:
            raise conflict("application.decided", _("This application has already been decided."))
        application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        application.decided_at = clock.now()
        application.decided_by_id = actor.pk
        application.decision_note = text
        application.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        audit_record(
            actor=actor,
            action="application.decide",
            obj=application,
            region_path=application.enterprise.region_id,
            reason=text,
            data={"status": application.status},
        )
    return application


def resumption_report(
    *,
    actor: Actor,
    enterprise_id: Any,
    date: dt.date,
    status: str,
    returned: int,
    workforce: int | None = None,
) -> ResumptionDay:
    """The enterprise's state on a day (not resumed, partly, fully) and how many are back at work.
    Resuming needs an approved application (409 resumption.not_approved)."""
    enterprise = enterprise_for_action(actor=actor, enterprise_id=enterprise_id, manage=True)
    if status not in ResumptionStatus.values:
        raise invalid("resumption.invalid_status", _("Unknown resumption status."), "status")
    _past_day(date, "resumption.date_in_future")
    staff = _count(
        workforce if workforce is not None else enterprise.workforce,
        "resumption.invalid_workforce",
        "workforce",
    )
    back = _count(returned, "resumption.invalid_returned", "returned")
    if back > staff:
        raise invalid(
            "resumption.returned_exceeds_workforce",
            _("More employees back at work (%(returned)s) than on the staff (%(workforce)s)."),
            "returned",
            returned=back,
            workforce=staff,
        )
    if status in RESUMED and not has_approved_application(enterprise):
        raise conflict(
            "resumption.not_approved",
            _("The county has not approved this enterprise's resumption."),
            "status",
        )
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        day = _day_record(
            actor=actor, enterprise=locked, date=date, status=status, workforce=staff, returned=back
        )
        audit_record(
            actor=actor,
            action="resumption.report",
            obj=day,
            region_path=locked.region_id,
            data={"status": status, "returned": back, "workforce": staff},
        )
    return day
