"""Support policies for enterprises (tax relief, loans, subsidies, social insurance, rent): the
catalogue each region keeps, which of them fit an enterprise and why, and applications with their
outcome.

A policy is issued by a region and open to the enterprises of that region and below, on the
dates it is valid, subject to its rules (industries, size, key projects, at most so many employees;
an empty rule restricts nothing).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.resumption.choices import Industry, PolicyApplicationStatus, PolicyKind
from fangyi.resumption.errors import conflict, invalid, not_found, text_too_long
from fangyi.resumption.models import Enterprise, Policy, PolicyApplication
from fangyi.resumption.selectors import (
    ACCOUNT,
    LIAISE,
    VIEW,
    enterprise_for_action,
    enterprise_get,
    enterprises_visible,
)

POLICIES = "resumption.policies"
READERS = (VIEW, POLICIES, LIAISE, ACCOUNT)
CODE_MAX = 32
TITLE_MAX = 128
SUMMARY_MAX = 4000
NOTE_MAX = 2000
OUTCOME_MAX = 500
AMOUNT_MAX = Decimal("999999999999.99")
FIELDS = (
    "title",
    "kind",
    "summary",
    "industries",
    "large_scale_only",
    "small_only",
    "key_project_only",
    "max_workforce",
    "valid_from",
    "valid_until",
    "active",
)
PATH_LENGTHS = (2, 4, 6, 9, 12)


def policy_not_found() -> NotFound:
    return not_found("policy.not_found", _("No such policy."), "policy_id")


def policy_application_not_found() -> NotFound:
    return not_found("policy_application.not_found", _("No such policy application."), "application_id")


# The catalogue -----------------------------------------------------------------------------------


def _text(value: Any, code: str, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise invalid(f"{code}_required", _("This field is required."), field)
    if len(text) > limit:
        raise text_too_long(f"{code}_too_long", field, limit)
    return text


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise invalid("policy.invalid_date", _("Give a date."), field)
    return value


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The policy's fields, validated together (the size rules and the dates depend on each other)."""
    kind = values["kind"]
    if kind not in PolicyKind.values:
        raise invalid(
            "policy.invalid_kind",
            _("Choose one of: %(choices)s."),
            "kind",
            choices=", ".join(PolicyKind.values),
        )
    industries = values["industries"] or []
    if not isinstance(industries, list | tuple) or any(item not in Industry.values for item in industries):
        raise invalid(
            "policy.unknown_industry",
            _("Industries are among: %(choices)s."),
            "industries",
            choices=", ".join(Industry.values),
        )
    flags = {name: values[name] for name in ("large_scale_only", "small_only", "key_project_only", "active")}
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise invalid("policy.invalid_flag", _("Say yes or no."), name)
    if flags["large_scale_only"] and flags["small_only"]:
        raise invalid(
            "policy.size_rule_conflict",
            _("A policy cannot be for large enterprises only and small ones only at once."),
            "small_only",
        )
    max_workforce = values["max_workforce"]
    if max_workforce is not None and (
        isinstance(max_workforce, bool)
        or not isinstance(max_workforce, int)
        or not 1 <= max_workforce <= 10_000_000
    ):
        raise invalid(
            "policy.invalid_max_workforce", _("Give a number of employees of at least 1."), "max_workforce"
        )
    valid_from = _date(values["valid_from"], "valid_from")
    valid_until = values["valid_until"]
    if valid_until is not None and _date(valid_until, "valid_until") < valid_from:
        raise invalid("policy.invalid_period", _("A policy cannot end before it starts."), "valid_until")
    return {
        "title": _text(values["title"], "policy.title", "title", TITLE_MAX),
        "kind": kind,
        "summary": _text(values["summary"], "policy.summary", "summary", SUMMARY_MAX),
        "industries": sorted(set(industries)),
        **flags,
        "max_workforce": max_workforce,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _issuer(actor: Actor, raw: Any) -> Region:
    try:
        path = region_path(str(raw or ""))
    except DomainError:
        raise invalid(
            "policy.unknown_region", _("No region has the code “%(value)s”."), "issuer", value=raw
        ) from None
    region = Region.objects.filter(code=path).first()
    if region is None or not covers(actor, POLICIES, path):
        error = region_not_found()
        error.field = "issuer"
        raise error
    return region


def policy_create(
    *,
    actor: Actor,
    code: str,
    title: str,
    kind: str,
    summary: str,
    issuer: str,
    industries: list[str] | None = None,
    large_scale_only: bool = False,
    small_only: bool = False,
    key_project_only: bool = False,
    max_workforce: int | None = None,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> Policy:
    """Add a policy to the catalogue of a region of the actor's jurisdiction."""
    require(actor, POLICIES)
    slug = str(code or "").strip().lower()
    if not slug or len(slug) > CODE_MAX or not all(c.isascii() and (c.isalnum() or c in "-_") for c in slug):
        raise invalid(
            "policy.invalid_code",
            _("A code is 1 to %(limit)s letters, digits, hyphens or underscores."),
            "code",
            limit=CODE_MAX,
        )
    fields = _checked(
        {
            "title": title,
            "kind": kind,
            "summary": summary,
            "industries": industries,
            "large_scale_only": large_scale_only,
            "small_only": small_only,
            "key_project_only": key_project_only,
            "max_workforce": max_workforce,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "active": True,
        }
    )
    region = _issuer(actor, issuer)
    duplicate = conflict(
        "policy.duplicate", _("A policy with the code “%(value)s” exists already."), "code", value=slug
    )
    if Policy.objects.filter(code=slug).exists():
        raise duplicate
    try:
        with transaction.atomic():
            policy = Policy.objects.create(code=slug, issuer=region, **fields)
            audit_record(
                actor=actor, action="policy.create", obj=policy, region_path=region.code, data={"code": slug}
            )
    except IntegrityError:
        raise duplicate from None
    return policy


@transaction.atomic
def policy_update(*, actor: Actor, policy_id: Any, **changes: Any) -> Policy:
    """Change a policy of the actor's jurisdiction (any of FIELDS; `active=False` takes it out of
    matching and new applications). Its code and issuer stay."""
    require(actor, POLICIES)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise invalid(
            "policy.unknown_field",
            _("These cannot be changed: %(fields)s."),
            unknown[0],
            fields=", ".join(unknown),
        )
    policy = row_by_key(Policy.objects.select_for_update(), policy_id)
    if policy is None or not _readable(actor, policy):
        raise policy_not_found()
    if not covers(actor, POLICIES, policy.issuer_id):
        raise PermissionDenied(_("Only the region that issued this policy may change it."))
    fields = _checked({name: changes.get(name, getattr(policy, name)) for name in FIELDS})
    changed = {name: value for name, value in fields.items() if getattr(policy, name) != value}
    for name, value in changed.items():
        setattr(policy, name, value)
    policy.save()
    audit_record(
        actor=actor,
        action="policy.update",
        obj=policy,
        region_path=policy.issuer_id,
        data={"changed": sorted(changed)},
    )
    return policy


def _reader_q(actor: Actor) -> Q:
    """Policies issued inside any region where the actor holds a resumption role, or above it
    (a county reads its prefecture's and the province's)."""
    prefixes = {
        prefix for capability in READERS for prefix in (actor.prefixes_for(capability) if actor else ())
    }
    if not prefixes:
        return Q(pk__in=[])
    above = {prefix[:n] for prefix in prefixes for n in PATH_LENGTHS if n <= len(prefix)}
    condition = Q(issuer_id__in=above)
    for prefix in prefixes:
        condition |= Q(issuer__code__startswith=prefix)
    return condition


def _readable(actor: Actor, policy: Policy) -> bool:
    return Policy.objects.filter(_reader_q(actor), pk=policy.pk).exists()


def policy_list(
    *, actor: Actor, kind: str | None = None, active: bool | None = None, q: str | None = None
) -> QuerySet[Policy]:
    policies = Policy.objects.filter(_reader_q(actor)).select_related("issuer")
    if kind:
        policies = policies.filter(kind=kind)
    if active is not None:
        policies = policies.filter(active=active)
    if q and q.strip():
        text = q.strip()
        policies = policies.filter(Q(title__contains=text) | Q(code=text.lower()) | Q(summary__contains=text))
    return policies.order_by("kind", "code")


def policy_get(*, actor: Actor, policy_id: Any) -> Policy:
    policy = row_by_key(Policy.objects.filter(_reader_q(actor)).select_related("issuer"), policy_id)
    if policy is None:
        raise policy_not_found()
    return policy


# Eligibility -------------------------------------------------------------------------------------


def policy_eligibility(
    policy: Policy, enterprise: Enterprise, on: dt.date
) -> tuple[list[str], list[tuple[str, str | Promise]]]:
    """(why it fits, the rules it fails as (rule, explanation)) for the enterprise on a date."""
    fits: list[str] = []
    fails: list[tuple[str, str | Promise]] = []

    def rule(name: str, ok: bool, fit: str | Promise | None, fail: str | Promise) -> None:
        if not ok:
            fails.append((name, fail))
        elif fit is not None:
            fits.append(str(fit))

    rule("active", policy.active, None, _("The policy is no longer offered."))
    ends = policy.valid_until
    rule(
        "period",
        policy.valid_from <= on and (ends is None or on <= ends),
        None,
        _("The policy is valid from %(start)s to %(end)s.")
        % {"start": policy.valid_from, "end": ends or "—"},
    )
    rule(
        "region",
        enterprise.region_id.startswith(policy.issuer_id),
        _("Issued for %(region)s, where the enterprise is registered.") % {"region": policy.issuer.name},
        _("The policy is for enterprises of %(region)s.") % {"region": policy.issuer.name},
    )
    if policy.industries:
        rule(
            "industry",
            enterprise.industry in policy.industries,
            _("Open to its industry (%(industry)s).") % {"industry": enterprise.get_industry_display()},
            _("The policy is for other industries."),
        )
    if policy.large_scale_only:
        rule(
            "size",
            enterprise.large_scale,
            _("For enterprises above designated size, as this one is."),
            _("The policy is for enterprises above designated size."),
        )
    if policy.small_only:
        rule(
            "size",
            not enterprise.large_scale,
            _("For small and medium enterprises, as this one is."),
            _("The policy is for small and medium enterprises."),
        )
    if policy.key_project_only:
        rule(
            "key_project",
            enterprise.key_project,
            _("For key projects, as this one is."),
            _("The policy is for key projects."),
        )
    if policy.max_workforce is not None:
        rule(
            "workforce",
            enterprise.workforce <= policy.max_workforce,
            _("At most %(limit)s employees: it has %(workforce)s.")
            % {"limit": policy.max_workforce, "workforce": enterprise.workforce},
            _("The policy is for enterprises of at most %(limit)s employees (it has %(workforce)s).")
            % {"limit": policy.max_workforce, "workforce": enterprise.workforce},
        )
    if not fails and len(fits) == 1:
        fits.append(str(_("Open to every enterprise there.")))
    return fits, fails


def policy_matches(
    *, actor: Actor, enterprise_id: Any, on: dt.date | None = None
) -> list[tuple[Policy, list[str]]]:
    """The active policies the enterprise may apply for on `on` (today by default), each with why
    it fits."""
    enterprise = enterprise_get(actor=actor, enterprise_id=enterprise_id)
    day = on or clock.today()
    issuers = [enterprise.region_id[:n] for n in PATH_LENGTHS if n <= len(enterprise.region_id)]
    candidates = (
        Policy.objects.filter(active=True, issuer_id__in=issuers, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("issuer")
        .order_by("kind", "code")
    )
    matches = []
    for policy in candidates:
        fits, fails = policy_eligibility(policy, enterprise, day)
        if not fails:
            matches.append((policy, fits))
    return matches


# Applications ------------------------------------------------------------------------------------


def _amount(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if (
        not amount.is_finite()
        or amount < 0
        or amount > AMOUNT_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise invalid(
            "policy.invalid_amount", _("Give an amount in yuan, to the fen, not below zero."), field
        )
    return amount


def policy_apply(
    *, actor: Actor, enterprise_id: Any, policy_id: Any, amount_requested: Any = None, note: str = ""
) -> PolicyApplication:
    """Apply for a policy on the enterprise's behalf (its account or a liaison stationed there):
    once per policy, and only when every rule of the policy fits."""
    amount = _amount(amount_requested, "amount_requested")
    text = str(note or "").strip()
    if len(text) > NOTE_MAX:
        raise text_too_long("policy_application.note_too_long", "note", NOTE_MAX)
    with transaction.atomic():
        enterprise = enterprise_for_action(
            actor=actor, enterprise_id=enterprise_id, rows=Enterprise.objects.select_for_update()
        )
        policy = row_by_key(Policy.objects.select_related("issuer"), policy_id)
        if policy is None:
            raise policy_not_found()
        _fits, fails = policy_eligibility(policy, enterprise, clock.today())
        if fails:
            rule, why = fails[0]
            # The failing rule is the error's field: active, period, region, industry, size,
            # key_project or workforce.
            raise conflict("policy.not_eligible", _("Not eligible: %(why)s"), rule, why=str(why))
        taken = PolicyApplication.objects.filter(policy=policy, enterprise=enterprise).exclude(
            status=PolicyApplicationStatus.WITHDRAWN
        )
        if taken.exists():
            raise conflict(
                "policy.already_applied",
                _("The enterprise has applied for this policy already."),
                "policy_id",
            )
        application = PolicyApplication.objects.create(
            policy=policy,
            enterprise=enterprise,
            amount_requested=amount,
            note=text,
            submitted_by_id=actor.pk,
        )
        audit_record(
            actor=actor,
            action="policy.apply",
            obj=application,
            region_path=enterprise.region_id,
            data={"policy": policy.code, "amount_requested": str(amount) if amount is not None else None},
        )
    return application


def _application(actor: Actor, application_id: Any) -> PolicyApplication:
    rows = PolicyApplication.objects.select_for_update(of=("self",)).select_related("enterprise", "policy")
    application = row_by_key(rows, application_id)
    if (
        application is None
        or not enterprises_visible(actor=actor).filter(pk=application.enterprise_id).exists()
    ):
        raise policy_application_not_found()
    return application


def _undecided(application: PolicyApplication) -> None:
    if application.status != PolicyApplicationStatus.SUBMITTED:
        raise conflict(
            "policy_application.decided",
            _("This application is “%(state)s” already."),
            "application_id",
            state=PolicyApplicationStatus(application.status).label,
        )


@transaction.atomic
def policy_decide(
    *, actor: Actor, application_id: Any, grant: bool, amount_granted: Any = None, note: str = ""
) -> PolicyApplication:
    """Grant (with the amount, if any) or refuse (with the reason) an application of an enterprise
    in the actor's jurisdiction."""
    require(actor, POLICIES)
    if not isinstance(grant, bool):
        raise invalid("policy_application.invalid_decision", _("Say whether to grant it."), "grant")
    amount = _amount(amount_granted, "amount_granted") if grant else None
    text = str(note or "").strip()
    if len(text) > OUTCOME_MAX:
        raise text_too_long("policy_application.note_too_long", "note", OUTCOME_MAX)
    if not grant and not text:
        raise invalid("policy_application.reason_required", _("Say why the application is refused."), "note")
    application = _application(actor, application_id)
    if not covers(actor, POLICIES, application.enterprise.region_id):
        raise PermissionDenied()
    _undecided(application)
    application.status = PolicyApplicationStatus.GRANTED if grant else PolicyApplicationStatus.REFUSED
    application.amount_granted = amount
    application.outcome_note = text
    application.decided_at = clock.now()
    application.decided_by_id = actor.pk
    application.save()
    audit_record(
        actor=actor,
        action="policy.decide",
        obj=application,
        region_path=application.enterprise.region_id,
        data={"status": application.status, "amount_granted": str(amount) if amount is not None else None},
    )
    return application


@transaction.atomic
def policy_application_withdraw(*, actor: Actor, application_id: Any) -> PolicyApplication:
    """The enterprise withdraws an application not decided yet (it may apply again later)."""
    application = _application(actor, application_id)
    enterprise_for_action(actor=actor, enterprise_id=application.enterprise_id)
    _undecided(application)
    application.status = PolicyApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="policy.withdraw",
        obj=application,
        region_path=application.enterprise.region_id,
    )
    return application


def policy_application_list(
    *,
    actor: Actor,
    status: str | None = None,
    enterprise_id: int | None = None,
    policy_id: int | None = None,
) -> QuerySet[PolicyApplication]:
    applications = PolicyApplication.objects.filter(
        enterprise__in=enterprises_visible(actor=actor).values("pk")
    ).select_related("policy", "enterprise__region")
    if status:
        applications = applications.filter(status=status)
    if enterprise_id is not None:
        applications = applications.filter(enterprise_id=enterprise_id)
    if policy_id is not None:
        applications = applications.filter(policy_id=policy_id)
    return applications.order_by("-submitted_at", "-pk")
