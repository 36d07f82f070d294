"""Every read of unified command, scoped by jurisdiction, and the daily situation report.

A directive is visible to its issuing side (the issuer inside the actor's command.view
jurisdiction) and to every region it reached inside that jurisdiction; anything else is not found.
"""

import datetime as dt
import io
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.command.errors import directive_not_found, sitrep_not_found, target_not_found
from fangyi.command.models import Directive, Sitrep, Target
from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import DomainError
from fangyi.core.selectors import row_by_key
from fangyi.employment.selectors import hiring_on
from fangyi.hospitals.choices import BedType
from fangyi.hospitals.selectors import hospital_beds
from fangyi.labs.selectors import lab_summary
from fangyi.quarantine.selectors import summary as observation_summary
from fangyi.regions.choices import CHILD_LEVEL, LEVEL_BY_PATH_LENGTH, PATH_LENGTH, Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.resumption.selectors import resumption_summary
from fangyi.screening.selectors import verification_progress
from fangyi.supplies.choices import LocationKind
from fangyi.supplies.models import Balance
from fangyi.surveillance.choices import ResponseLevel, RiskLevel
from fangyi.surveillance.selectors import report_on, response_level_on, risk_levels_under
from fangyi.vouchers.services import yuan
from fangyi.vouchers.stats import vouchers_on

VIEW = "command.view"
ISSUE = "command.issue"
RESPOND = "command.respond"
# A situation report covers the levels with daily case reports: the province, prefectures, counties.
SITREP_MAX_PATH = PATH_LENGTH[Level.COUNTY]


# Directives --------------------------------------------------------------------------------------


def directive_inbox(*, actor: Actor) -> QuerySet[Target]:
    """Targets of active directives at the actor's own regions (where it holds command.respond):
    open ones first, nearest deadline first."""
    require(actor, VIEW)
    return (
        Target.objects.filter(
            region_id__in=actor.prefixes_for(RESPOND), directive__status=DirectiveStatus.ACTIVE
        )
        .select_related("directive", "directive__issuer", "region")
        .annotate(
            done=Case(
                When(status=TargetStatus.COMPLETED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("done", "directive__deadline", "-directive__issued_at", "region_id")
    )


def _with_counts(directives: QuerySet[Directive]) -> QuerySet[Directive]:
    return directives.select_related("issuer", "issued_by").annotate(
        target_count=Count("targets"),
        completed_count=Count("targets", filter=Q(targets__status=TargetStatus.COMPLETED)),
        escalated_count=Count(
            "targets",
            filter=Q(targets__escalated_at__isnull=False) & ~Q(targets__status=TargetStatus.COMPLETED),
        ),
    )


def directive_sent(*, actor: Actor) -> QuerySet[Directive]:
    """Directives issued at the actor's own command levels, newest first, with their target counts."""
    require(actor, VIEW)
    return _with_counts(Directive.objects.filter(issuer_id__in=actor.prefixes_for(ISSUE))).order_by(
        "-issued_at", "id"
    )


def _visible(actor: Actor, directive: Directive) -> bool:
    return covers(actor, VIEW, directive.issuer_id) or (
        Target.objects.filter(directive=directive).filter(scope_q(actor, VIEW, "region__code")).exists()
    )


def directive_get(*, actor: Actor, directive_id: Any) -> Directive:
    require(actor, VIEW)
    directive = row_by_key(_with_counts(Directive.objects.all()), directive_id)
    if directive is None or not _visible(actor, directive):
        raise directive_not_found()
    return directive


def target_get(*, actor: Actor, target_id: Any) -> Target:
    """A target in the actor's jurisdiction, or of a directive its level issued."""
    require(actor, VIEW)
    target = row_by_key(Target.objects.select_related("directive", "region"), target_id)
    if target is None or not (
        covers(actor, VIEW, target.region_id) or covers(actor, VIEW, target.directive.issuer_id)
    ):
        raise target_not_found()
    return target


def _board_base(actor: Actor, directive: Directive, region: str | None) -> str:
    """The region whose children the board shows: the issuer (or, to a region that only received
    the directive, its own region), or one below it in the actor's jurisdiction."""
    if region is None:
        if covers(actor, VIEW, directive.issuer_id):
            return directive.issuer_id
        inside = [p for p in actor.prefixes_for(VIEW) if p.startswith(directive.issuer_id)]
        if not inside:
            raise region_not_found()
        return inside[0]
    path = region_path(region)
    if not path.startswith(directive.issuer_id) or not covers(actor, VIEW, path):
        raise region_not_found()
    if not Region.objects.filter(code=path).exists():
        raise region_not_found()
    return path


def directive_board(*, actor: Actor, directive_id: Any, region: str | None = None) -> list[dict[str, Any]]:
    """One row per child region of `region` the directive reached: targets in it (itself and
    below) by status, overdue (past the deadline, not completed), escalated and still open, and
    the share completed in whole percent."""
    directive = directive_get(actor=actor, directive_id=directive_id)
    base = _board_base(actor, directive, region)
    child = CHILD_LEVEL.get(Level(LEVEL_BY_PATH_LENGTH[len(base)]))
    if child is None:
        return []
    length = PATH_LENGTH[child]
    open_ = ~Q(status=TargetStatus.COMPLETED)
    rows = list(
        Target.objects.filter(directive=directive, region__code__startswith=base)
        .exclude(region_id=base)
        .annotate(child=Substr("region_id", 1, length))
        .values("child")
        .annotate(
            targets=Count("id"),
            pending=Count("id", filter=Q(status=TargetStatus.PENDING)),
            acknowledged=Count("id", filter=Q(status=TargetStatus.ACKNOWLEDGED)),
            in_progress=Count("id", filter=Q(status=TargetStatus.IN_PROGRESS)),
            completed=Count("id", filter=Q(status=TargetStatus.COMPLETED)),
            escalated=Count("id", filter=Q(escalated_at__isnull=False) & open_),
        )
        .order_by("child")
    )
    names = dict(Region.objects.filter(code__in=[r["child"] for r in rows]).values_list("code", "name"))
    late = directive.status == DirectiveStatus.ACTIVE and directive.deadline < clock.now()
    return [
        {
            "region": row["child"],
            "name": names.get(row["child"], row["child"]),
            "targets": row["targets"],
            "pending": row["pending"],
            "acknowledged": row["acknowledged"],
            "in_progress": row["in_progress"],
            "completed": row["completed"],
            "overdue": row["targets"] - row["completed"] if late else 0,
            "escalated": row["escalated"],
            "percent_completed": 100 * row["completed"] // row["targets"],
        }
        for row in rows
    ]


# Situation reports -------------------------------------------------------------------------------


class RegionReader:
    """The jurisdiction a situation report is assembled with: the read capabilities of the other
    modules over the report's region only. Whoever asked for the report was checked already."""

    pk = None
    READS = frozenset(
        {
            "reports.view",
            "screening.view",
            "labs.view",
            "hospitals.view",
            "resumption.view",
            "vouchers.view",
        }
    )

    def __init__(self, path: str) -> None:
        self.path = path

    def prefixes_for(self, capability: str) -> tuple[str, ...]:
        return (self.path,) if capability in self.READS else ()


def sitrep_region(*, actor: Actor | None, capability: str, code: str) -> Region:
    """A province, prefecture or county the actor holds `capability` over (None: any)."""
    path = region_path(code)
    if len(path) > SITREP_MAX_PATH:
        raise DomainError(
            "sitrep.invalid_region",
            gettext_lazy("Situation reports are made for the province, prefectures and counties."),
            field="region",
        )
    region = Region.objects.filter(code=path).first()
    if region is None or (actor is not None and not covers(actor, capability, path)):
        raise region_not_found()
    return region


def _section(
    key: str, available: bool, figures: dict[str, Any], table: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"key": key, "available": available, "figures": figures, "table": table or []}


def _cases(region: Region, date: dt.date) -> dict[str, Any]:
    day = report_on(region=region, date=date)
    figures = {
        "new_confirmed": day.new_confirmed,
        "confirmed_cumulative": day.confirmed_cumulative,
        "new_asymptomatic": day.new_asymptomatic,
        "suspected_pending": day.suspected_pending,
        "in_hospital": day.in_hospital,
        "severe_now": day.severe_now,
        "critical_now": day.critical_now,
        "new_cured": day.new_cured,
        "cured_cumulative": day.cured_cumulative,
        "deaths_cumulative": day.deaths_cumulative,
    }
    return _section("cases", day.confirmed_cumulative > 0 or day.suspected_pending > 0, figures)


def _risk(reader: RegionReader, region: Region, date: dt.date) -> dict[str, Any]:
    found = risk_levels_under(actor=reader, code=region.code, date=date)
    assessed = [item for item in found.items if item.assessment is not None]
    figures = dict.fromkeys(RiskLevel.values, 0)
    for item in assessed:
        figures[item.assessment.level] += 1  # type: ignore[union-attr]
    table = [
        {"county": item.county.code, "name": item.county.name, "level": item.assessment.level}  # type: ignore[union-attr]
        for item in assessed
        if item.assessment.level != RiskLevel.LOW  # type: ignore[union-attr]
    ]
    return _section("risk", bool(assessed), figures, table)


def _response(date: dt.date) -> dict[str, Any]:
    period = response_level_on(date=date)
    figures = {"level": period.level, "since": period.start_date.isoformat()} if period else {}
    return _section("response", period is not None, figures)


def _screening(reader: RegionReader, region: Region) -> dict[str, Any]:
    total = verification_progress(actor=reader, region=region.code)[-1]
    figures = {
        "tasks": total.tasks,
        "verified": total.verified,
        "escalated": total.escalated,
        "overdue": total.overdue,
        "percent_verified": total.percent,
    }
    return _section("screening", total.tasks > 0, figures)


def _observation(region: Region, date: dt.date) -> dict[str, Any]:
    found = observation_summary(region.code, date)
    figures = {
        key: found[key] for key in ("under_observation", "released", "overdue_checkins", "fever_alerts")
    }
    return _section("observation", any(figures.values()), figures)


def _testing(reader: RegionReader, region: Region, date: dt.date) -> dict[str, Any]:
    found = lab_summary(actor=reader, region=region.code, date=date)
    figures = {
        key: found[key]
        for key in (
            "samples_total",
            "reported_total",
            "positive_total",
            "positive_rate",
            "backlog",
            "daily_capacity",
        )
    }
    figures["labs"] = len(found["labs"])
    return _section("testing", bool(found["samples_total"] or found["labs"]), figures)


def _beds(reader: RegionReader, region: Region) -> dict[str, Any]:
    by_type = {bed_type: {"capacity": 0, "occupied": 0} for bed_type in BedType.values}
    hospitals = hospital_beds(actor=reader, region=region.code)
    for hospital in hospitals:
        for bed_type, beds in hospital["beds"].items():
            by_type[bed_type]["capacity"] += beds["capacity"]
            by_type[bed_type]["occupied"] += beds["occupied"]
    figures = {
        "hospitals": len(hospitals),
        "capacity": sum(b["capacity"] for b in by_type.values()),
        "occupied": sum(b["occupied"] for b in by_type.values()),
    }
    table = [{"bed_type": bed_type, **beds} for bed_type, beds in by_type.items() if beds["capacity"]]
    return _section("beds", figures["capacity"] > 0, figures, table)


def _stock(region: Region) -> dict[str, Any]:
    """Stock of each item in the region's warehouses and on the road out of them."""
    rows = (
        Balance.objects.filter(location__region__code__startswith=region.code)
        .values("item__code", "item__name", "item__unit", "location__kind")
        .annotate(quantity=Sum("quantity"))
        .order_by("item__code")
    )
    items: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = items.setdefault(
            row["item__code"],
            {
                "item": row["item__code"],
                "name": row["item__name"],
                "unit": row["item__unit"],
                "quantity": 0,
                "in_transit": 0,
            },
        )
        item["in_transit" if row["location__kind"] == LocationKind.IN_TRANSIT else "quantity"] += row[
            "quantity"
        ]
    warehouses = Balance.objects.filter(location__region__code__startswith=region.code).values(
        "location__warehouse_id"
    )
    figures = {"items": len(items), "warehouses": warehouses.distinct().count()}
    return _section("supplies", bool(items), figures, list(items.values()))


def _directives(region: Region, date: dt.date) -> dict[str, Any]:
    _, end = clock.day_bounds(date)
    moment = min(clock.now(), end)
    targets = Target.objects.filter(
        region__code__startswith=region.code,
        directive__status=DirectiveStatus.ACTIVE,
        directive__issued_at__lt=end,
    )
    open_ = ~Q(status=TargetStatus.COMPLETED)
    figures = targets.aggregate(
        targets=Count("id"),
        completed=Count("id", filter=Q(status=TargetStatus.COMPLETED)),
        overdue=Count("id", filter=open_ & Q(directive__deadline__lt=moment)),
        escalated=Count("id", filter=open_ & Q(escalated_at__isnull=False)),
    )
    figures["directives"] = targets.values("directive_id").distinct().count()
    return _section("directives", figures["targets"] > 0, figures)


def _resumption(reader: RegionReader, region: Region, date: dt.date) -> dict[str, Any]:
    """The economy beside the epidemic: enterprises reopened, staff back, problems in hand."""
    summary = resumption_summary(actor=reader, region=region.code, date=date)
    keys = (
        "enterprises",
        "resumed",
        "resumption_rate",
        "staff_return_rate",
        "problems_open",
        "problems_solved",
    )
    return _section("resumption", summary["enterprises"] > 0, {key: summary[key] for key in keys})


def _hiring(reader: RegionReader, region: Region, date: dt.date) -> dict[str, Any]:
    figures = hiring_on(actor=reader, region=region.code, date=date)
    return _section("hiring", any(figures.values()), figures)


def _consumption(reader: RegionReader, region: Region, date: dt.date) -> dict[str, Any]:
    figures, active = vouchers_on(actor=reader, region=region.code, date=date)
    return _section("consumption", active, figures)


def sitrep_build(*, region: Region, date: dt.date) -> dict[str, Any]:
    """The region's situation on `date` from every module, as plain JSON: per section whether the
    module has data there, its figures and a table where it has one. Labels and headlines are
    rendered when read (`sitrep_sections`), in the reader's language."""
    reader = RegionReader(region.code)
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "date": date.isoformat(),
        "generated_at": clock.now().isoformat(),
        "sections": [
            _cases(region, date),
            _risk(reader, region, date),
            _response(date),
            _screening(reader, region),
            _observation(region, date),
            _testing(reader, region, date),
            _beds(reader, region),
            _stock(region),
            _resumption(reader, region, date),
            _hiring(reader, region, date),
            _consumption(reader, region, date),
            _directives(region, date),
        ],
    }


def sitrep_list(*, actor: Actor, region: str | None = None) -> QuerySet[Sitrep]:
    """Archived reports of regions in the actor's jurisdiction (or of `region`), newest day first."""
    require(actor, VIEW)
    sitreps = Sitrep.objects.filter(scope_q(actor, VIEW, "region__code"))
    if region:
        sitreps = sitreps.filter(region=sitrep_region(actor=actor, capability=VIEW, code=region))
    return sitreps.select_related("region", "generated_by").order_by("-date", "region_id")


def sitrep_get(*, actor: Actor, region: str, date: dt.date) -> Sitrep:
    require(actor, VIEW)
    try:
        place = sitrep_region(actor=actor, capability=VIEW, code=region)
    except DomainError:
        raise sitrep_not_found() from None
    sitrep = Sitrep.objects.select_related("region", "generated_by").filter(region=place, date=date).first()
    if sitrep is None:
        raise sitrep_not_found()
    return sitrep


# Rendering: labels and headlines in the reader's language ----------------------------------------

TITLES = {
    "cases": gettext_lazy("Cases"),
    "risk": gettext_lazy("County risk levels"),
    "response": gettext_lazy("Emergency response level"),
    "screening": gettext_lazy("Screening and verification"),
    "observation": gettext_lazy("Medical observation"),
    "testing": gettext_lazy("Testing"),
    "beds": gettext_lazy("Hospital beds"),
    "supplies": gettext_lazy("Supplies"),
    "resumption": gettext_lazy("Enterprise resumption"),
    "hiring": gettext_lazy("Hiring"),
    "consumption": gettext_lazy("Consumption vouchers"),
    "directives": gettext_lazy("Directives"),
}
LABELS = {
    "new_confirmed": gettext_lazy("New confirmed cases"),
    "confirmed_cumulative": gettext_lazy("Confirmed cases in all"),
    "new_asymptomatic": gettext_lazy("New asymptomatic infections"),
    "suspected_pending": gettext_lazy("Suspected cases pending"),
    "in_hospital": gettext_lazy("In hospital"),
    "severe_now": gettext_lazy("Severe"),
    "critical_now": gettext_lazy("Critical"),
    "new_cured": gettext_lazy("Discharged cured today"),
    "cured_cumulative": gettext_lazy("Cured in all"),
    "deaths_cumulative": gettext_lazy("Deaths in all"),
    "high": gettext_lazy("High-risk counties"),
    "medium": gettext_lazy("Medium-risk counties"),
    "low": gettext_lazy("Low-risk counties"),
    "level": gettext_lazy("Level"),
    "since": gettext_lazy("In force since"),
    "tasks": gettext_lazy("Verification tasks"),
    "verified": gettext_lazy("Verified"),
    "escalated": gettext_lazy("Escalated"),
    "overdue": gettext_lazy("Overdue"),
    "percent_verified": gettext_lazy("Verified (percent)"),
    "under_observation": gettext_lazy("Under observation"),
    "released": gettext_lazy("Released"),
    "overdue_checkins": gettext_lazy("Missed check-ins open"),
    "fever_alerts": gettext_lazy("Fevers reported"),
    "samples_total": gettext_lazy("Samples collected"),
    "reported_total": gettext_lazy("Results reported"),
    "positive_total": gettext_lazy("Positive"),
    "positive_rate": gettext_lazy("Positive rate"),
    "backlog": gettext_lazy("Waiting in the labs"),
    "daily_capacity": gettext_lazy("Daily testing capacity"),
    "labs": gettext_lazy("Laboratories"),
    "hospitals": gettext_lazy("Designated hospitals"),
    "capacity": gettext_lazy("Beds"),
    "occupied": gettext_lazy("Occupied"),
    "items": gettext_lazy("Items in stock"),
    "warehouses": gettext_lazy("Warehouses"),
    "enterprises": gettext_lazy("Enterprises"),
    "resumed": gettext_lazy("Reopened"),
    "resumption_rate": gettext_lazy("Resumption rate"),
    "staff_return_rate": gettext_lazy("Staff return rate"),
    "problems_open": gettext_lazy("Problems open"),
    "problems_solved": gettext_lazy("Problems solved"),
    "open_posts": gettext_lazy("Job posts open"),
    "applications_today": gettext_lazy("Applications today"),
    "hires_today": gettext_lazy("Hires today"),
    "hires_week": gettext_lazy("Hires in the last 7 days"),
    "seekers": gettext_lazy("Job seekers looking"),
    "claimed_today": gettext_lazy("Vouchers claimed today"),
    "claimed": gettext_lazy("Vouchers claimed in all"),
    "redeemed_today": gettext_lazy("Vouchers redeemed today"),
    "redeemed": gettext_lazy("Vouchers redeemed in all"),
    "redeemed_fen": gettext_lazy("Voucher discount spent (yuan)"),
    "order_amount_fen": gettext_lazy("Purchases driven (yuan)"),
    "leverage": gettext_lazy("Purchases per yuan of discount"),
    "small_micro_share": gettext_lazy("Small and micro businesses' share"),
    "directives": gettext_lazy("Directives in force"),
    "targets": gettext_lazy("Regions acting on them"),
    "completed": gettext_lazy("Completed"),
    "county": gettext_lazy("County code"),
    "name": gettext_lazy("Name"),
    "bed_type": gettext_lazy("Bed type"),
    "item": gettext_lazy("Item code"),
    "unit": gettext_lazy("Unit"),
    "quantity": gettext_lazy("In stock"),
    "in_transit": gettext_lazy("In transit"),
}
TABLE_COLUMNS = {
    "risk": ("name", "level"),
    "beds": ("bed_type", "capacity", "occupied"),
    "supplies": ("name", "unit", "quantity", "in_transit"),
}
CHOICES = {
    "level": {**dict(RiskLevel.choices), **dict(ResponseLevel.choices)},
    "bed_type": dict(BedType.choices),
}


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in CHOICES:
        return str(CHOICES[key].get(value, value))
    if key in ("positive_rate", "resumption_rate", "staff_return_rate", "small_micro_share"):
        return f"{value * 100:.1f} %"
    if key.endswith("_fen"):
        return yuan(value)
    if key == "leverage":
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _headline(key: str, f: dict[str, Any]) -> str:
    """One line that says what matters most in the section."""
    if key == "cases":
        text = _(
            "%(new)s new confirmed; %(total)s confirmed in all, %(in_hospital)s in hospital, %(cured)s cured."
        )
        return text % {
            "new": f["new_confirmed"],
            "total": f["confirmed_cumulative"],
            "in_hospital": f["in_hospital"],
            "cured": f["cured_cumulative"],
        }
    if key == "risk":
        text = _("High risk: %(high)s counties; medium risk: %(medium)s; low risk: %(low)s.")
        return text % {"high": f["high"], "medium": f["medium"], "low": f["low"]}
    if key == "response":
        return _("Emergency response: %(level)s since %(since)s.") % {
            "level": _value("level", f["level"]),
            "since": f["since"],
        }
    if key == "screening":
        text = _("%(verified)s of %(tasks)s verification tasks done, %(overdue)s overdue.")
        return text % {"verified": f["verified"], "tasks": f["tasks"], "overdue": f["overdue"]}
    if key == "observation":
        text = _("%(under)s residents under observation, %(released)s released, %(fevers)s fevers reported.")
        return text % {
            "under": f["under_observation"],
            "released": f["released"],
            "fevers": f["fever_alerts"],
        }
    if key == "testing":
        text = _("%(samples)s samples, %(positive)s positive; %(backlog)s waiting in %(labs)s laboratories.")
        return text % {
            "samples": f["samples_total"],
            "positive": f["positive_total"],
            "backlog": f["backlog"],
            "labs": f["labs"],
        }
    if key == "beds":
        text = _("%(occupied)s of %(capacity)s beds occupied in %(hospitals)s designated hospitals.")
        return text % {"occupied": f["occupied"], "capacity": f["capacity"], "hospitals": f["hospitals"]}
    if key == "supplies":
        return _("%(items)s items in stock in %(warehouses)s warehouses.") % f
    if key == "resumption":
        text = _(
            "%(resumed)s of %(enterprises)s enterprises reopened (%(rate)s), %(staff)s of staff back; "
            "%(open)s problems open."
        )
        return text % {
            "resumed": f["resumed"],
            "enterprises": f["enterprises"],
            "rate": _value("resumption_rate", f["resumption_rate"]),
            "staff": _value("staff_return_rate", f["staff_return_rate"]),
            "open": f["problems_open"],
        }
    if key == "hiring":
        text = _(
            "%(posts)s job posts open; %(applications)s applications and %(hires)s hires today, "
            "%(week)s hires in the last 7 days; %(seekers)s job seekers looking."
        )
        return text % {
            "posts": f["open_posts"],
            "applications": f["applications_today"],
            "hires": f["hires_today"],
            "week": f["hires_week"],
            "seekers": f["seekers"],
        }
    if key == "consumption":
        text = _(
            "%(claimed)s vouchers claimed and %(redeemed)s redeemed today; %(discount)s yuan of "
            "vouchers spent in all went with %(orders)s yuan of purchases."
        )
        return text % {
            "claimed": f["claimed_today"],
            "redeemed": f["redeemed_today"],
            "discount": _value("redeemed_fen", f["redeemed_fen"]),
            "orders": _value("order_amount_fen", f["order_amount_fen"]),
        }
    text = _(
        "%(directives)s directives in force: %(completed)s of %(targets)s regions done, %(overdue)s overdue."
    )
    return text % f


def sitrep_sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored report's sections in the reader's language: title, headline (or that the module
    has no data), figures as label/value rows and the table with its column labels."""
    sections = []
    for section in content.get("sections", []):
        key, figures, available = section["key"], section["figures"], section["available"]
        columns = TABLE_COLUMNS.get(key, ())
        sections.append(
            {
                "key": key,
                "title": str(TITLES.get(key, key)),
                "available": available,
                "headline": _headline(key, figures)
                if available
                else _("No data for this region on this day."),
                "figures": [
                    {"key": name, "label": str(LABELS.get(name, name)), "value": _value(name, value)}
                    for name, value in figures.items()
                ]
                if available
                else [],
                "columns": [str(LABELS[column]) for column in columns],
                "rows": [[_value(column, row.get(column)) for column in columns] for row in section["table"]],
            }
        )
    return sections


def sitrep_title(sitrep: Sitrep) -> str:
    return _("Situation report of %(region)s on %(date)s") % {
        "region": sitrep.region.name,
        "date": sitrep.date.isoformat(),
    }


def sitrep_pdf(sitrep: Sitrep) -> bytes:
    """The report as an A4 document: title, date, and each section's headline and tables (Chinese
    text in the CID font every PDF reader has)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=2)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    header = TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
    title = sitrep_title(sitrep)
    generated = clock.now().astimezone(clock.SHANGHAI) if sitrep.generated_at is None else sitrep.generated_at
    story: list[Any] = [
        Paragraph(title, title_style),
        Paragraph(
            _("Generated %(moment)s")
            % {"moment": generated.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")},
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    for section in sitrep_sections(sitrep.content):
        story += [Paragraph(section["title"], heading), Paragraph(section["headline"], body)]
        if section["figures"]:
            figures = Table(
                [[f["label"], f["value"]] for f in section["figures"]],
                colWidths=[70 * mm, 40 * mm],
                hAlign="LEFT",
            )
            figures.setStyle(grid)
            story += [Spacer(1, 2 * mm), figures]
        if section["rows"]:
            table = Table([section["columns"], *section["rows"]], hAlign="LEFT", repeatRows=1)
            table.setStyle(grid)
            table.setStyle(header)
            story += [Spacer(1, 2 * mm), table]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Fangyi",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    document.build(story)
    return buffer.getvalue()
