"""Every write on cases: report, confirm, exclude, severity, outcome, clusters.

Each transition is validated (allowed from the current state, dates in order and not in the
future), recorded as a CaseEvent and an AuditEvent, and refreshes the county's daily reports in the
same transaction, so the figures never disagree with the cases.
"""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import PermissionDenied
from fangyi.core.services import audit_record
from fangyi.people.models import Person
from fangyi.people.selectors import person_get
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
    earlier = Cluster.objects.filter(pk__in={c.cluster_id for c in cases if c.cluster_id})
    affected = {place.code[:6], *(code[:6] for code in earlier.values_list("region_id", flat=True))}
    cluster = Cluster.objects.create(name=name.strip(), setting=setting, region=place)
    for case in cases:
        case.cluster = cluster
        case.save(update_fields=["cluster", "updated_at"])
        _record(actor, case, CaseEventKind.CLUSTERED, clock.today(), cluster.name)
    audit_record(actor=actor, action="cluster.create", obj=cluster, region_path=place.code)
    risk_levels_refresh(counties=sorted(affected))
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
