"""Every write on cases: report, confirm, exclude, severity, outcome, clusters.

Each transition is validated (allowed from the current state, dates in order and not in the
future), recorded as a CaseEvent and an AuditEvent, and refreshes the county's daily reports in the
same transaction, so the figures never disagree with the cases.
"""

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.events import publish
from fangyi.core.models import Job
from fangyi.core.services import audit_record, job_create, job_run_import
from fangyi.people.imports import ImportRow, check_size
from fangyi.people.models import Person
from fangyi.people.selectors import person_find_by_id_number, person_get
from fangyi.people.services import person_register
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.surveillance.choices import (
    CaseEventKind,
    Classification,
    ClusterSetting,
    ConfirmationMethod,
    Origin,
    Outcome,
    ResponseLevel,
    Severity,
)
from fangyi.surveillance.errors import (
    SurveillanceError,
    case_not_found,
    date_in_future,
    dates_out_of_order,
    invalid_transition,
    response_level_error,
)
from fangyi.surveillance.events import CaseStatusChanged
from fangyi.surveillance.imports import CaseRow, case_row_parse, case_rows_from_file
from fangyi.surveillance.models import Case, CaseEvent, Cluster, ResponseLevelPeriod, SeverityChange
from fangyi.surveillance.reports import daily_reports_refresh
from fangyi.surveillance.risk import risk_levels_refresh

REPORT = "cases.report"


def _not_future(day: dt.date | None, field: str) -> None:
    if day is not None and day > clock.today():
        raise date_in_future(field)


def _not_before(day: dt.date, earlier: dt.date | None, field: str, message: Any) -> None:
    if earlier is not None and day < earlier:
        raise dates_out_of_order(field, message)


def _residence(actor: Actor | None, code: str) -> Region:
    path = region_path(code)
    if len(path) < 6:
        raise SurveillanceError(
            "case.residence_too_coarse",
            _("The residence must be a county or a region inside one."),
            field="residence",
        )
    if actor is not None and not covers(actor, REPORT, path):
        raise region_not_found()
    region = Region.objects.filter(code=path).first()
    if region is None:
        raise region_not_found()
    return region


def _locked_case(actor: Actor | None, case_id: uuid.UUID | str) -> Case:
    """The case, locked for update, if the actor may report on it."""
    if actor is not None:
        require(actor, REPORT)
    try:
        case = Case.objects.select_for_update().get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise case_not_found() from None
    if actor is not None and not covers(actor, REPORT, case.residence_id):
        raise case_not_found()
    return case


def _record(
    actor: Actor | None, case: Case, kind: str, day: dt.date, detail: str = "", reason: str = ""
) -> None:
    CaseEvent.objects.create(
        case=case, kind=kind, date=day, detail=detail, actor_id=getattr(actor, "pk", None)
    )
    if kind != CaseEventKind.SEVERITY:
        publish(
            CaseStatusChanged(
                person_id=str(case.person_id),
                case_id=str(case.pk),
                classification=case.classification,
                outcome=case.outcome,
            )
        )
    audit_record(
        actor=actor,
        action=f"case.{kind}",
        obj=case,
        region_path=case.residence_id,
        reason=reason,
        data={"date": day.isoformat(), "detail": detail},
    )


def case_report(
    *,
    actor: Actor | None,
    person_id: uuid.UUID | str,
    classification: str,
    report_date: dt.date,
    residence: str,
    reporting_unit: str,
    onset_date: dt.date | None = None,
    origin: str = Origin.LOCAL,
    source_area: str = "",
    current_location: str = "",
    symptoms: str = "",
    external_id: str | None = None,
    synthetic: bool = False,
    refresh: bool = True,
) -> Case:
    """Report a suspected case or an asymptomatic infection (`classification`)."""
    if actor is not None:
        require(actor, REPORT)
    if classification not in (Classification.SUSPECTED, Classification.ASYMPTOMATIC):
        raise SurveillanceError(
            "case.invalid_classification",
            _("A new case is reported as suspected or as an asymptomatic infection."),
            field="classification",
        )
    if origin not in Origin.values:
        raise SurveillanceError("case.invalid_origin", _("Origin is local or imported."), field="origin")
    if origin == Origin.IMPORTED and not source_area.strip():
        raise SurveillanceError(
            "case.source_required", _("An imported case needs the area it came from."), field="source_area"
        )
    if not reporting_unit.strip():
        raise SurveillanceError(
            "case.reporting_unit_required", _("Name the reporting unit."), field="reporting_unit"
        )
    _not_future(report_date, "report_date")
    _not_future(onset_date, "onset_date")
    if classification == Classification.ASYMPTOMATIC and onset_date is not None:
        raise SurveillanceError(
            "case.asymptomatic_onset",
            _("An asymptomatic infection has no onset date."),
            field="onset_date",
        )
    if onset_date is not None and onset_date > report_date:
        raise dates_out_of_order("onset_date", _("Symptom onset cannot come after the report."))
    region = _residence(actor, residence)
    person = (
        person_get(actor=actor, person_id=person_id)
        if actor is not None
        else Person.objects.filter(pk=person_id).first()
    )
    if person is None:
        raise SurveillanceError("person.not_found", _("No such resident."), status=404)
    case = Case(
        person=person,
        classification=classification,
        origin=origin,
        source_area=source_area.strip(),
        residence=region,
        county_id=region.code[:6],
        current_location=current_location.strip(),
        reporting_unit=reporting_unit.strip(),
        symptoms=symptoms.strip(),
        onset_date=onset_date,
        report_date=report_date,
        asymptomatic_date=report_date if classification == Classification.ASYMPTOMATIC else None,
        external_id=external_id or None,
        synthetic=synthetic,
    )
    try:
        with transaction.atomic():
            case.save(force_insert=True)
            _record(actor, case, CaseEventKind.REPORTED, report_date, classification)
            if refresh:
                daily_reports_refresh(counties=[case.county_id])
    except IntegrityError:
        raise SurveillanceError(
            "case.duplicate_episode",
            _("This person already has an open case: update it instead of reporting a new one."),
            field="person_id",
            status=409,
        ) from None
    return case


@transaction.atomic
def case_confirm(
    *, actor: Actor | None, case_id: uuid.UUID | str, date: dt.date, method: str, refresh: bool = True
) -> Case:
    """Confirm a suspected case or convert an asymptomatic infection to a confirmed case."""
    case = _locked_case(actor, case_id)
    if case.classification not in (Classification.SUSPECTED, Classification.ASYMPTOMATIC):
        raise invalid_transition(_("Only a suspected case or an asymptomatic infection can be confirmed."))
    if method not in ConfirmationMethod.values:
        raise SurveillanceError("case.invalid_method", _("Unknown confirmation method."), field="method")
    _not_future(date, "date")
    _not_before(date, case.report_date, "date", _("Confirmation cannot come before the report."))
    _not_before(date, case.onset_date, "date", _("Confirmation cannot come before symptom onset."))
    case.classification = Classification.CONFIRMED
    case.confirmed_date = date
    case.confirmation_method = method
    case.save()
    _record(actor, case, CaseEventKind.CONFIRMED, date, method)
    if refresh:
        daily_reports_refresh(counties=[case.county_id])
    return case


@transaction.atomic
def case_exclude(*, actor: Actor | None, case_id: uuid.UUID | str, date: dt.date, reason: str = "") -> Case:
    case = _locked_case(actor, case_id)
    if case.classification != Classification.SUSPECTED:
        raise invalid_transition(_("Only a suspected case can be excluded."))
    _not_future(date, "date")
    _not_before(date, case.report_date, "date", _("Exclusion cannot come before the report."))
    case.classification = Classification.EXCLUDED
    case.excluded_date = date
    case.save()
    _record(actor, case, CaseEventKind.EXCLUDED, date, reason=reason)
    daily_reports_refresh(counties=[case.county_id])
    return case


@transaction.atomic
def case_update_severity(
    *, actor: Actor | None, case_id: uuid.UUID | str, date: dt.date, severity: str, refresh: bool = True
) -> Case:
    case = _locked_case(actor, case_id)
    if case.classification != Classification.CONFIRMED or case.outcome:
        raise invalid_transition(_("Severity is recorded for confirmed cases under treatment."))
    if severity not in Severity.values:
        raise SurveillanceError("case.invalid_severity", _("Unknown severity."), field="severity")
    _not_future(date, "date")
    _not_before(date, case.confirmed_date, "date", _("Severity cannot be recorded before confirmation."))
    last = case.severity_changes.order_by("-date").values_list("date", flat=True).first()
    _not_before(date, last, "date", _("Severity cannot be recorded before its last change."))
    SeverityChange.objects.create(case=case, date=date, severity=severity)
    case.severity = severity
    case.save()
    _record(actor, case, CaseEventKind.SEVERITY, date, severity)
    if refresh:
        daily_reports_refresh(counties=[case.county_id])
    return case


@transaction.atomic
def case_record_outcome(
    *, actor: Actor | None, case_id: uuid.UUID | str, outcome: str, date: dt.date, refresh: bool = True
) -> Case:
    """Cured and discharged, or died. An asymptomatic infection may be released as cured."""
    case = _locked_case(actor, case_id)
    if outcome not in (Outcome.CURED, Outcome.DIED):
        raise SurveillanceError("case.invalid_outcome", _("The outcome is cured or died."), field="outcome")
    allowed = (
        (Classification.CONFIRMED, Classification.ASYMPTOMATIC)
        if outcome == Outcome.CURED
        else (Classification.CONFIRMED,)
    )
    if case.outcome or case.classification not in allowed:
        raise invalid_transition(_("This case cannot have that outcome: check its classification."))
    _not_future(date, "date")
    _not_before(
        date,
        case.confirmed_date or case.report_date,
        "date",
        _("The outcome cannot come before confirmation."),
    )
    last = case.severity_changes.order_by("-date").values_list("date", flat=True).first()
    _not_before(date, last, "date", _("The outcome cannot come before the last severity change."))
    case.outcome = outcome
    case.outcome_date = date
    case.save()
    _record(actor, case, CaseEventKind.CURED if outcome == Outcome.CURED else CaseEventKind.DIED, date)
    if refresh:
        daily_reports_refresh(counties=[case.county_id])
    return case


@transaction.atomic
def cluster_create(
    *, actor: Actor | None, name: str, setting: str, region: str, case_ids: list[uuid.UUID | str]
) -> Cluster:
    """Link cases into a cluster: at least the configured number of cases within the window."""
    if actor is not None:
        require(actor, REPORT)
    if setting not in ClusterSetting.values:
        raise SurveillanceError("cluster.invalid_setting", _("Unknown cluster setting."), field="setting")
    if not name.strip():
        raise SurveillanceError("cluster.name_required", _("A cluster needs a name."), field="name")
    place = _residence(actor, region)
    cases = [_locked_case(actor, case_id) for case_id in dict.fromkeys(case_ids)]
    minimum = settings.FANGYI_CLUSTER_MIN_CASES
    window = settings.FANGYI_CLUSTER_WINDOW_DAYS
    counted = [
        c for c in cases if c.classification in (Classification.CONFIRMED, Classification.ASYMPTOMATIC)
    ]
    if len(counted) < minimum:
        raise SurveillanceError(
            "cluster.too_few_cases",
            _("A cluster needs at least %(minimum)s confirmed cases or asymptomatic infections."),
            field="case_ids",
            minimum=minimum,
        )
    days = [c.confirmed_date or c.report_date for c in counted]
    if (max(days) - min(days)).days >= window:
        raise SurveillanceError(
            "cluster.outside_window",
            _("The cases of a cluster fall within %(days)s days of each other."),
            field="case_ids",
            days=window,
        )
    if any(case.cluster_id for case in cases):
        raise SurveillanceError(
            "cluster.case_already_linked",
            _("A case already belongs to another cluster; a case is linked to one cluster only."),
            field="case_ids",
            status=409,
        )
    cluster = Cluster.objects.create(name=name.strip(), setting=setting, region=place)
    for case in cases:
        case.cluster = cluster
        case.save(update_fields=["cluster", "updated_at"])
        _record(actor, case, CaseEventKind.CLUSTERED, clock.today(), cluster.name)
    audit_record(actor=actor, action="cluster.create", obj=cluster, region_path=place.code)
    risk_levels_refresh(counties=[place.code[:6]])
    return cluster


# Province emergency response levels ---------------------------------------------------------------

PROVINCE = "43"


@transaction.atomic
def response_level_declare(
    *, actor: Actor | None, level: str, start_date: dt.date, note: str = ""
) -> ResponseLevelPeriod:
    """Record the province's emergency response level from `start_date` on (command staff only).

    One declaration per day; a declaration must change the level in force, and "ended" ends one.
    """
    if actor is not None and not covers(actor, "response.manage", PROVINCE):
        raise PermissionDenied()
    if level not in ResponseLevel.values:
        raise response_level_error("invalid_level", _("The level is I, II, III or ended."), "level")
    note = note.strip()
    if len(note) > 256:
        raise response_level_error("note_too_long", _("Keep the note under 256 characters."), "note")
    if start_date > clock.today():
        raise response_level_error("date_in_future", _("A date cannot be in the future."), "start_date")
    if ResponseLevelPeriod.objects.select_for_update().filter(start_date=start_date).exists():
        raise response_level_error(
            "duplicate_date", _("A level is already declared from this day."), "start_date", status=409
        )
    previous = ResponseLevelPeriod.objects.filter(start_date__lt=start_date).order_by("-start_date").first()
    in_force = previous.level if previous is not None else ResponseLevel.ENDED
    if level == in_force:
        message = (
            _("There is no response in force to end on this day.")
            if level == ResponseLevel.ENDED
            else _("This level is already in force on this day.")
        )
        raise response_level_error("unchanged", message, "level")
    try:
        with transaction.atomic():
            period = ResponseLevelPeriod.objects.create(
                level=level,
                start_date=start_date,
                note=note,
                declared_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        raise response_level_error(
            "duplicate_date", _("A level is already declared from this day."), "start_date", status=409
        ) from None
    audit_record(
        actor=actor,
        action="response_level.declare",
        obj=period,
        region_path=PROVINCE,
        reason=note,
        data={"level": level, "start_date": start_date.isoformat()},
    )
    return period


# Line-list import --------------------------------------------------------------------------------

CASES_IMPORT_JOB_KIND = "cases.import"


class _DryRunRollback(Exception):
    """Raised inside the import's transaction to undo it (a dry run, or a file with bad rows)."""


def cases_import(
    *,
    actor: Actor,
    rows: Iterable[ImportRow],
    dry_run: bool,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Import a line list: each row is one case as it stands now, written through the services.

    Every row goes through the same transitions as a case reported by hand (report, confirm or
    exclude, severity, outcome), so every rule applies and every bad row is reported with its line
    number and the error's code and message. If any row is bad, or on a dry run, nothing is kept.
    A row whose line-list id is already imported is skipped when it says the same, and reported as
    a conflict when it differs (the case is never silently overwritten). The daily reports of the
    counties touched are refreshed once.
    """
    require(actor, REPORT)
    rows = list(rows)
    total = len(rows)
    errors: list[dict[str, Any]] = []
    created = skipped = 0
    counties: set[str] = set()
    first_line_of: dict[str, int] = {}
    step = max(1, total // 100)
    try:
        with transaction.atomic():
            for done, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        county = _case_import_row(actor, row, first_line_of)
                    if county is None:
                        skipped += 1
                    else:
                        created += 1
                        counties.add(county)
                except DomainError as exc:
                    errors.append(exc.as_row_error(row.line))
                if progress and (done % step == 0 or done == total):
                    progress(done, total, "")
            if errors or dry_run:
                raise _DryRunRollback
            daily_reports_refresh(counties=counties)
    except _DryRunRollback:
        pass
    written = not errors and not dry_run
    return {
        "total": total,
        "valid": total - len(errors),
        "invalid": len(errors),
        "new": created,
        "skipped": skipped,
        "imported": created if written else 0,
        "dry_run": dry_run,
        "errors": errors,
    }


def _import_person(actor: Actor, row: CaseRow) -> Person:
    """The resident with the row's identity number, registered from the row if there is none."""
    try:
        return person_find_by_id_number(actor=actor, id_number=row.id_number)
    except NotFound:
        pass
    if not row.name or len(region_path(row.residence)) != 12:
        raise SurveillanceError(
            "import.person_unknown",
            _(
                "No resident has this identity number: give the name and a village or community as the "
                "residence to register one."
            ),
            field="id_number",
        )
    return person_register(actor=actor, name=row.name, id_number=row.id_number, home_region=row.residence)


def _case_import_row(actor: Actor, line: ImportRow, first_line_of: dict[str, int]) -> str | None:
    """Write one row's case; None when the same case is already there. Returns the case's county."""
    row = case_row_parse(line.values)
    if row.external_id in first_line_of:
        raise SurveillanceError(
            "import.duplicate_in_file",
            _("The same line-list id is already on line %(line)s of this file."),
            field="external_id",
            line=first_line_of[row.external_id],
        )
    first_line_of[row.external_id] = line.line
    existing = Case.objects.filter(external_id=row.external_id).first()
    if existing is not None and not covers(actor, REPORT, existing.residence_id):
        raise SurveillanceError(
            "import.external_id_taken",
            _("This line-list id belongs to a case outside your jurisdiction."),
            field="external_id",
            status=409,
        )
    _residence(actor, row.residence)  # in the jurisdiction, before anyone is registered
    person = _import_person(actor, row)
    if existing is not None:
        differences = _import_differences(existing, row, person)
        if differences:
            raise SurveillanceError(
                "import.conflict",
                _("This case was imported before with other values (%(fields)s); change it by hand."),
                field=differences[0],
                status=409,
                fields=", ".join(differences),
            )
        return None
    if row.outcome_date and not row.outcome:
        raise SurveillanceError("import.value_required", _("This column needs a value."), field="outcome")
    asymptomatic = row.classification == Classification.ASYMPTOMATIC
    case = case_report(
        actor=actor,
        person_id=person.pk,
        classification=Classification.ASYMPTOMATIC if asymptomatic else Classification.SUSPECTED,
        report_date=row.report_date,
        residence=row.residence,
        reporting_unit=row.reporting_unit,
        onset_date=row.onset_date,
        origin=row.origin,
        source_area=row.source_area,
        symptoms=row.symptoms,
        external_id=row.external_id,
        refresh=False,
    )
    if row.classification == Classification.CONFIRMED:
        if row.confirmed_date is None:
            raise SurveillanceError(
                "import.value_required", _("This column needs a value."), field="confirmed_date"
            )
        case = case_confirm(
            actor=actor,
            case_id=case.pk,
            date=row.confirmed_date,
            method=row.confirmation_method,
            refresh=False,
        )
    elif row.classification == Classification.EXCLUDED:
        if row.excluded_date is None:
            raise SurveillanceError(
                "import.value_required", _("This column needs a value."), field="excluded_date"
            )
        case = case_exclude(actor=actor, case_id=case.pk, date=row.excluded_date)
    if row.severity:
        case = case_update_severity(
            actor=actor,
            case_id=case.pk,
            date=row.confirmed_date or row.report_date,
            severity=row.severity,
            refresh=False,
        )
    if row.outcome:
        if row.outcome_date is None:
            raise SurveillanceError(
                "import.value_required", _("This column needs a value."), field="outcome_date"
            )
        case = case_record_outcome(
            actor=actor, case_id=case.pk, outcome=row.outcome, date=row.outcome_date, refresh=False
        )
    return case.county_id


def _import_differences(case: Case, row: CaseRow, person: Person) -> list[str]:
    """The fields in which a row differs from the case imported before under its line-list id."""
    expected: dict[str, Any] = {
        "id_number": person.pk,
        "classification": row.classification,
        "report_date": row.report_date,
        "residence": region_path(row.residence),
        "reporting_unit": row.reporting_unit,
        "origin": row.origin,
        "source_area": row.source_area,
        "onset_date": row.onset_date,
        "confirmed_date": row.confirmed_date if row.classification == Classification.CONFIRMED else None,
        "excluded_date": row.excluded_date if row.classification == Classification.EXCLUDED else None,
        "outcome": row.outcome,
        "outcome_date": row.outcome_date if row.outcome else None,
    }
    actual: dict[str, Any] = {
        "id_number": case.person_id,
        "classification": case.classification,
        "report_date": case.report_date,
        "residence": case.residence_id,
        "reporting_unit": case.reporting_unit,
        "origin": case.origin,
        "source_area": case.source_area,
        "onset_date": case.onset_date,
        "confirmed_date": case.confirmed_date,
        "excluded_date": case.excluded_date,
        "outcome": case.outcome,
        "outcome_date": case.outcome_date,
    }
    if row.severity:
        expected["severity"], actual["severity"] = row.severity, case.severity
    return [field for field, value in expected.items() if actual[field] != value]


def cases_import_submit(*, actor: Actor, file_name: str, content: bytes, dry_run: bool) -> Job:
    """Keep the uploaded line list on a new job and queue the import for the worker."""
    require(actor, REPORT)
    check_size(content)
    prefixes = sorted(actor.prefixes_for(REPORT))
    region = prefixes[0] if len(prefixes) == 1 else "43"
    job = job_create(
        actor=actor,
        kind=CASES_IMPORT_JOB_KIND,
        region_path=region,
        capability="cases.view",
        params={"dry_run": bool(dry_run)},
        input_name=os.path.basename(file_name or "upload"),
        input_data=content,
    )
    from fangyi.surveillance.tasks import cases_import_task

    transaction.on_commit(lambda: cases_import_task.enqueue(str(job.pk)))
    return job


def cases_import_run(*, job_id: Any) -> Job | None:
    """The worker's side of a line-list import (see core.services.job_run_import)."""
    return job_run_import(
        job_id=job_id,
        read_rows=lambda name, content: case_rows_from_file(name=name, content=content),
        run=lambda actor, params, rows, progress: cases_import(
            actor=actor, rows=rows, dry_run=bool(params.get("dry_run")), progress=progress
        ),
        succeeded=lambda result: bool(result["dry_run"] or not result["errors"]),
        summary=cases_import_summary,
    )


def cases_import_summary(result: dict[str, Any]) -> str:
    params = {key: result[key] for key in ("imported", "invalid", "valid", "skipped", "new")}
    if result["dry_run"]:
        return (
            ngettext(
                "Dry run: %(valid)s rows valid (%(new)s new, %(skipped)s unchanged), %(invalid)s row with "
                "errors; nothing was written.",
                "Dry run: %(valid)s rows valid (%(new)s new, %(skipped)s unchanged), %(invalid)s rows with "
                "errors; nothing was written.",
                result["invalid"],
            )
            % params
        )
    if result["errors"]:
        return (
            ngettext(
                "Nothing was imported: %(invalid)s row has errors.",
                "Nothing was imported: %(invalid)s rows have errors.",
                result["invalid"],
            )
            % params
        )
    return (
        ngettext(
            "Imported %(imported)s case; %(skipped)s rows were already imported.",
            "Imported %(imported)s cases; %(skipped)s rows were already imported.",
            result["imported"],
        )
        % params
    )
