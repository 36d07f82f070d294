"""The permission matrix: every API route × every role × inside/outside the jurisdiction.

Each principal holds one role at 芙蓉区 (430102); the objects "in" scope lie in 芙蓉区 and those
"out" of scope in 天心区 (430103), next door in the same city. Expectations follow the rules of
ARCHITECTURE.md: anonymous → 401 (except public routes); a role lacking the capability → 403;
an object outside the jurisdiction → 404 (never 403, so nothing about it leaks); a denied request
changes nothing and its body names nothing. A route missing from MATRIX fails the suite, so new
routes must be added here.
"""

import dataclasses
import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.test import override_settings

from fangyi.accounts.choices import Role
from fangyi.accounts.models import ApiToken, RoleAssignment, User
from fangyi.accounts.roles import CAPABILITIES
from fangyi.accounts.services import api_token_create
from fangyi.command import models as command_models
from fangyi.command import services as command
from fangyi.command.models import Directive, Target
from fangyi.core import clock
from fangyi.core.models import AuditEvent, Job
from fangyi.core.validators import credit_code_check_char
from fangyi.employment import models as employment_models
from fangyi.employment import services as employment
from fangyi.healthpass import models as healthpass_models
from fangyi.healthpass import services as healthpass
from fangyi.hospitals import models as hospital_models
from fangyi.hospitals import services as hospitals
from fangyi.hospitals.models import Admission, Consultation, Expert, Hospital
from fangyi.labs import models as labs_models
from fangyi.labs import services as labs
from fangyi.people.models import Person
from fangyi.people.services import person_register
from fangyi.quarantine import services as quarantine
from fangyi.quarantine.models import Alert, CheckIn, Contact, ObservationPeriod, Site
from fangyi.regions.models import Place, Region
from fangyi.resumption import models as resumption_models
from fangyi.resumption import policies as resumption_policies
from fangyi.resumption import services as resumption
from fangyi.resumption import tickets as resumption_tickets
from fangyi.resumption.choices import PlanItem
from fangyi.screening import services as screening
from fangyi.screening.models import GridTask, RiskArea, ScreeningRun, TravelRecord
from fangyi.supplies import models as supplies_models
from fangyi.supplies import services as supplies
from fangyi.surveillance import services as surveillance
from fangyi.surveillance.models import Case, CaseEvent, Cluster, ResponseLevelPeriod
from fangyi.volunteers import models as volunteers_models
from fangyi.volunteers import services as volunteers
from fangyi.vouchers import merchants as voucher_merchants
from fangyi.vouchers import models as vouchers_models
from fangyi.vouchers import services as vouchers

API_PREFIX = "/api/v1"
IN, OUT = "430102", "430103"
VILLAGE = {IN: "430102001001", OUT: "430103002001"}
# Where the residents screened and observed live: a second community of each county, so the people
# routes still find one resident per scope in VILLAGE.
NEIGHBOURHOOD = {IN: "430102001002", OUT: "430103002002"}
ID_NUMBER = {IN: "430102198001010011", OUT: "43010319850202002X"}
NAME = {IN: "芙蓉居民甲", OUT: "天心居民乙"}
PLACE = {IN: "芙蓉区测试卡口", OUT: "天心区测试卡口"}
SITE = {IN: "芙蓉区隔离酒店", OUT: "天心区隔离酒店"}
CLINIC = {IN: "芙蓉区发热门诊", OUT: "天心区发热门诊"}
LAB = {IN: "芙蓉区检测实验室", OUT: "天心区检测实验室"}
HOSPITAL = {IN: "芙蓉区定点医院", OUT: "天心区定点医院"}
# Expert groups are assigned to a prefecture: 长沙市, which holds both counties, and 株洲市.
GROUP_REGION = {IN: "4301", OUT: "4302"}
# The experts are a province-wide directory, so their names are no secret of either county.
EXPERT = {IN: "钟专家", OUT: "李专家"}
# The risk area each scope's returnee came back from, and the district of it the records name.
RISK_AREA = {IN: ("4201", "武汉市", "420106"), OUT: ("4202", "黄石市", "420202")}
TOWNSHIP = {IN: "430102001", OUT: "430103002"}
# The scope's reserve warehouse, the warehouse place not yet registered, the producer and the
# directives' titles.
WAREHOUSE = {IN: "芙蓉区储备库", OUT: "天心区储备库"}
FRESH_WAREHOUSE = {IN: "芙蓉区新仓库", OUT: "天心区新仓库"}
PRODUCER = {IN: "芙蓉区口罩厂", OUT: "天心区口罩厂"}
DIRECTIVE = {IN: "芙蓉区返乡人员排查", OUT: "天心区返乡人员排查"}
OWN_DIRECTIVE = {IN: "芙蓉区街道消杀", OUT: "天心区街道消杀"}
SITREP_DAY = dt.date(2020, 2, 10)
PASSWORD = "matrix-password"
NO_ROLE, ANONYMOUS = "no_role", "anonymous"
PRINCIPALS = [*Role.values, NO_ROLE, ANONYMOUS]
SCOPES = ["in", "out"]


@dataclasses.dataclass
class World:
    person: dict[str, Person]
    place: dict[str, Place]
    job: dict[str, Job]
    user: User | None
    headers: dict[str, str]
    # Per scope: a suspected case, two confirmed cases in a cluster, two in none, and a resident
    # without a case.
    cases: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: an open referral raised at the scope's gate, and a test result of its resident.
    labs: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: the resident's declaration of an arrival from Hubei, an open appeal, an override
    # awaiting approval and one in force.
    healthpass: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a risk area, a returnee from it found by an executed screening run of the county,
    # and the returnee's open grid task.
    screening: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a resident under home observation (a check-in, an open alert of a missed one, a
    # negative test so the period can be released), a close contact of the confirmed case, a site.
    quarantine: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a fever clinic with a visit, a lab with its capacity, samples collected, shipped,
    # received and waiting to be pooled, and a re-test task of a positive pool's member.
    testing: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a county hospital with a severe patient in intensive care, an expert (the expert
    # principal's login is linked to the "in" one) in a group on the rota, and a consultation on
    # the patient with the expert invited; "target" is a prefecture hospital in a third county.
    hospitals: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: an item of its own, the county's reserve warehouse with two receipts of it (one to
    # reverse), a warehouse place not yet registered, a producer with a day's output, a request
    # allocated by a run and an open one, a planned and a dispatched shipment to the province's
    # warehouse ("province"), and the latest reconciliation, which found the in-transit balance
    # of the county's warehouse off its ledger.
    supplies: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a directive of the province to the county down to its villages ("target" is the
    # county's own, "village_target" its village's), one of the county to its township, and the
    # county's situation report.
    command: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: enterprises with their liaisons, plans, applications, tickets and policies (see
    # resumption_objects).
    resumption: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: a volunteer with missions, sign-ups, hours, a certificate and hotline shifts (see
    # volunteers_objects).
    volunteers: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: an employer (the employer principal is an account of the "in" one) with its posts,
    # and the volunteer's seeker profile with an application and a hire (see employment_objects).
    employment: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Per scope: programmes, an approved merchant (the merchant principal is an account of the "in"
    # one), the volunteer's vouchers, redemptions, a settlement and a fraud flag (see
    # vouchers_objects).
    vouchers: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def region(self, scope: str) -> str:
        return IN if scope == "in" else OUT

    def case(self, scope: str, which: str = "suspected") -> str:
        return str(self.cases[scope][which].pk)


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a route needs and how it answers.

    need: capabilities required anywhere, all of them, or any one of them with `any_of` (None: any
    signed-in user; PUBLIC: nobody).
    scope: "object" (a path names one object: outside → 404), "create" (the body names the region:
    outside → 404), "list" (outside → an empty page) or None (nothing regional).
    see: for "object" routes, the capability (or capabilities, any one of them) that makes the
    object visible; an actor who can see neither gets 404 even when a further capability is
    missing. For "list" routes with `see`, only those who see the scope's object count it.
    hidden: whoever holds none of `see` is told 404 in both scopes (the object does not exist
    for them), while those who see it but lack `need` get `denied`.
    exceptions: per (principal, scope), an answer the capabilities alone do not tell, as
    (status, error code).
    denied: the status for a role lacking `need` (403, or 404 where a route hides objects).
    outside: for "create" routes, the refusal of a holder of `need` outside the jurisdiction, as
    (status, error code), when its code is checked (404 otherwise).
    """

    ok: int
    request: Callable[[World, str], tuple[str, dict[str, Any]]]
    need: tuple[str, ...] | str | None = None
    scope: str | None = None
    see: str | tuple[str, ...] | None = None
    denied: int = 403
    any_of: bool = False
    code: str = "permission_denied"  # the error code of a 403
    outside: tuple[int, str] | None = None
    hidden: bool = False
    exceptions: dict[tuple[str, str], tuple[int, str]] = dataclasses.field(default_factory=dict)


PUBLIC = "public"


def person_payload(world: World, scope: str) -> dict[str, Any]:
    number = "430102199001010032" if scope == "in" else "430103199001010047"
    return {"name": "新登记居民", "id_number": number, "home_region": VILLAGE[world.region(scope)]}


def import_file(world: World, scope: str) -> dict[str, Any]:
    content = f"姓名,身份证号,村社区代码\n新导入居民,430102199001010032,{VILLAGE[world.region(scope)]}\n"
    upload = SimpleUploadedFile("people.csv", content.encode(), content_type="text/csv")
    return {"data": {"dry_run": "false"}, "FILES": {"file": upload}}


def case_import_file(world: World, scope: str) -> dict[str, Any]:
    content = (
        "编号,身份证号,姓名,分类,报告日期,现住址代码,报告单位\n"
        f"M-001,430102199001010032,新导入病例,疑似,2020-02-01,{VILLAGE[world.region(scope)]},发热门诊\n"
    )
    upload = SimpleUploadedFile("cases.csv", content.encode(), content_type="text/csv")
    return {"data": {"dry_run": "false"}, "FILES": {"file": upload}}


def case_payload(world: World, scope: str) -> dict[str, Any]:
    return {
        "person_id": str(world.cases[scope]["free_person"].pk),
        "classification": "suspected",
        "report_date": "2020-02-01",
        "residence": VILLAGE[world.region(scope)],
        "reporting_unit": "发热门诊",
    }


def cluster_payload(world: World, scope: str) -> dict[str, Any]:
    return {
        "name": "新聚集性疫情",
        "setting": "family",
        "region": VILLAGE[world.region(scope)],
        "case_ids": [world.case(scope, "unlinked"), world.case(scope, "unlinked2")],
    }


def case_step(step: str, which: str, body: dict[str, str]) -> Rule:
    return Rule(
        200,
        lambda w, s: (f"/surveillance/cases/{w.case(s, which)}/{step}", {"json": body}),
        need=("cases.view", "cases.report"),
        scope="object",
        see="cases.view",
    )


def referral_payload(world: World, scope: str) -> dict[str, Any]:
    return {"person_id": str(world.person[scope].pk), "source": "clinic", "reason": "发热门诊就诊"}


def result_payload(world: World, scope: str) -> dict[str, Any]:
    return {
        "person_id": str(world.person[scope].pk),
        "result": "negative",
        "sampled_on": "2020-01-25",
        "lab": "湘雅医院检验科",
    }


def referral_rule(ok: int, suffix: str = "", body: dict[str, str] | None = None) -> Rule:
    return Rule(
        ok,
        lambda w, s: (f"/labs/referrals/{w.labs[s]['referral'].pk}{suffix}", {"json": body} if body else {}),
        need=("labs.referrals",),
        scope="object",
        see="labs.referrals",
    )


def report_rule(path: str, query: str = "") -> Rule:
    return Rule(
        200,
        lambda w, s: (f"/surveillance/{path}?region={w.region(s)}{query}", {}),
        need=("reports.view",),
        scope="object",
        see="reports.view",
    )


def healthpass_rule(
    path: str, which: str, body: dict[str, Any], capability: str = "healthpass.manage"
) -> Rule:
    """A write on one health-code object: hidden (404) from whoever may not work it."""
    return Rule(
        200,
        lambda w, s: (path.format(id=w.healthpass[s][which].pk), {"json": body}),
        need=(capability,),
        scope="object",
        see=capability,
        denied=404,
    )


def as_resident(status: int, code: str = "") -> dict[tuple[str, str], tuple[int, str]]:
    """The answer to the resident principal, the "in" volunteer's resident, in either scope."""
    return {(Role.RESIDENT, scope): (status, code) for scope in SCOPES}


def own_code_rule(path: str, resident: int, body: dict[str, Any] | None = None) -> Rule:
    """The resident's own code: only the resident principal is linked to a resident (with a green
    code); every other login is refused."""
    return Rule(
        403,
        lambda w, s: (path, {"json": body} if body else {}),
        code="healthpass.no_resident",
        exceptions=as_resident(resident),
    )


def scan_payload(world: World, scope: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "place_id": world.place[scope].pk, "token": "FY1:x", "temperature": 36.5}


def travel_file(world: World, scope: str) -> dict[str, Any]:
    content = (
        f"id_number,area_code,at,source\n{ID_NUMBER[world.region(scope)]},420106,2020-01-20 08:30,rail\n"
    )
    upload = SimpleUploadedFile("travel.csv", content.encode(), content_type="text/csv")
    return {"FILES": {"file": upload}}


def screening_rule(ok: int, path: str, body: dict[str, Any] | None = None) -> Rule:
    """Risk areas and travel records are the province's: screening.run held at a county is refused."""
    return Rule(
        ok,
        lambda w, s: (path.format(id=w.screening[s]["risk_area"].pk), {"json": body} if body else {}),
        need=("screening.run",),
    )


def run_rule(suffix: str = "") -> Rule:
    return Rule(
        200,
        lambda w, s: (f"/screening/runs/{w.screening[s]['run'].pk}{suffix}", {}),
        need=("screening.view",),
        scope="object",
        see="screening.view",
    )


def task_rule(ok: int, path: str, body: dict[str, Any] | None = None, *, verify: bool = False) -> Rule:
    """Grid tasks are read by the officials who follow screening (view) and the grid workers who
    visit (verify); only the latter record a visit."""
    return Rule(
        ok,
        lambda w, s: (
            path.format(id=w.screening[s]["task"].pk, region=w.region(s)),
            {"json": body} if body else {},
        ),
        need=("screening.verify",) if verify else ("screening.view", "screening.verify"),
        any_of=not verify,
        scope="object",
        see="screening.verify",
    )


def observation_rule(
    path: str, capability: str = "quarantine.view", body: dict[str, Any] | None = None, ok: int = 200
) -> Rule:
    """A read or write of one observation period. The writes ask for their capability before they
    look for the period, so a viewer without it is refused (403) in both scopes."""
    return Rule(
        ok,
        lambda w, s: (path.format(id=w.quarantine[s]["period"].pk), {"json": body} if body else {}),
        need=(capability,),
        scope="object",
        see=capability,
    )


def observation_payload(world: World, scope: str) -> dict[str, Any]:
    return {
        "person_id": str(world.person[scope].pk),
        "kind": "home",
        "source": "gate",
        "last_exposure_on": (clock.today() - dt.timedelta(days=1)).isoformat(),
    }


def contact_payload(world: World, scope: str) -> dict[str, Any]:
    """A household contact of the scope's unlinked case in its contact window (long past, so no
    observation follows)."""
    return {
        "case_id": world.case(scope, "unlinked"),
        "person_id": str(world.person[scope].pk),
        "contact_type": "household",
        "last_contact_on": "2020-01-21",
    }


def quarantine_rule(path: str) -> Rule:
    """A read of one region, case or contact: outside the jurisdiction it is not found."""
    return Rule(
        200,
        lambda w, s: (
            path.format(
                region=w.region(s),
                case=w.case(s, "confirmed"),
                contact=w.quarantine[s]["contact"].pk,
            ),
            {},
        ),
        need=("quarantine.view",),
        scope="object",
        see="quarantine.view",
    )


def filled(value: Any, names: dict[str, Any]) -> Any:
    """`value` with every `{key}` in its strings replaced from `names`."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [filled(item, names) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, names) for key, item in value.items()}
    return value


def fixture_rule(
    ok: int,
    path: str,
    need: tuple[str, ...],
    names: Callable[[World, str], dict[str, Any]],
    *,
    see: str | tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
) -> Rule:
    """A request naming the scope's fixtures by `{key}` of `names(world, scope)` in its path and
    body, refused to whoever holds none of `need`. With `see` it works on one object, hidden (404)
    from whoever holds `see` outside their county; without, its body names the county's objects."""

    def request(w: World, s: str) -> tuple[str, dict[str, Any]]:
        found = names(w, s)
        return path.format(**found), {"json": filled(body, found)} if body is not None else {}

    return Rule(ok, request, need=need, any_of=len(need) > 1, scope="object" if see else "create", see=see)


def lab_rule(ok: int, path: str, need: tuple[str, ...], *, see: str | None = None, **body: Any) -> Rule:
    """A testing request: `{region}`, `{clinic}`, `{lab}`, `{visit}`, `{person}` (the visitor) and
    the barcodes `{collected}`, `{poolable}`, `{shipped}`, `{received}` of the scope's fixtures."""
    return fixture_rule(ok, path, need, lab_names, see=see, body=body or None)


def lab_names(world: World, scope: str) -> dict[str, Any]:
    found = world.testing[scope]
    return {
        "region": world.region(scope),
        "clinic": found["clinic"].pk,
        "lab": found["lab"].pk,
        "visit": found["visit"].pk,
        "person": found["testee"].pk,
        **{key: found[key].barcode for key in ("collected", "poolable", "shipped", "received")},
    }


def results_file(world: World, scope: str) -> dict[str, Any]:
    received = world.testing[scope]["received"].barcode
    content = f"barcode,result,ct_value,operator\n{received},negative,,检验员甲\n"
    upload = SimpleUploadedFile("results.csv", content.encode(), content_type="text/csv")
    return {"data": {"lab_id": str(world.testing[scope]["lab"].pk)}, "FILES": {"file": upload}}


SAMPLE_READERS = ("labs.clinic", "labs.results", "labs.view")


def hospital_rule(
    ok: int, path: str, need: str, *, see: str | None = None, body: dict[str, Any] | None = None
) -> Rule:
    """A hospitals request: `{region}`, `{hospital}`, `{admission}`, `{consultation}`,
    `{invitation}`, `{group}` and its `{group_region}`, `{expert}`, `{case}` (open, not in hospital)
    and `{target}` (the referral hospital outside both counties) of the scope's fixtures."""
    return fixture_rule(ok, path, (need,), hospital_names, see=see, body=body)


def hospital_names(world: World, scope: str) -> dict[str, Any]:
    found = world.hospitals[scope]
    return {
        "region": world.region(scope),
        "case": world.case(scope, "unlinked"),
        **{
            key: found[key].pk
            for key in ("hospital", "admission", "consultation", "invitation", "group", "expert", "target")
        },
        "group_region": found["group"].region_id,
    }


def supply_rule(
    ok: int, path: str, need: tuple[str, ...], *, see: str | None = None, body: dict[str, Any] | None = None
) -> Rule:
    """A supplies request: `{region}`, `{item}` (the scope's item), `{warehouse}` (the county's
    reserve), `{fresh}` (a warehouse place not registered yet), `{entry}` (a receipt in the
    county's warehouse), `{request}` (open), `{run}`, `{planned}` and `{dispatched}` (shipments
    from the county's warehouse to the province's), `{producer}` and `{province}` (the province's
    warehouse) of the scope's fixtures."""
    return fixture_rule(ok, path, need, supply_names, see=see, body=body)


def supply_names(world: World, scope: str) -> dict[str, Any]:
    found = world.supplies[scope]
    return {
        "region": world.region(scope),
        **{
            key: found[key].pk
            for key in (
                *("item", "warehouse", "fresh", "entry", "request", "run"),
                *("planned", "dispatched", "producer", "province"),
            )
        },
    }


def command_rule(
    ok: int, path: str, need: tuple[str, ...], *, see: str | None = None, body: dict[str, Any] | None = None
) -> Rule:
    """A command request: `{region}`, `{directive}` (the province's, reaching
    the county's villages), `{own}` (the county's own, to its township), `{target}` (the county's
    own target of the province's directive) and `{date}` of the county's situation report."""
    return fixture_rule(ok, path, need, command_names, see=see, body=body)


def command_names(world: World, scope: str) -> dict[str, Any]:
    found = world.command[scope]
    return {
        "region": world.region(scope),
        "directive": found["directive"].pk,
        "own": found["own"].pk,
        "target": found["target"].pk,
        "date": SITREP_DAY.isoformat(),
    }


def directive_payload(world: World, scope: str) -> dict[str, Any]:
    """A directive issued at the scope's county (the principals' level only "in") to its township."""
    region = world.region(scope)
    deadline = clock.now() + dt.timedelta(days=7)
    return {
        "issuer": region,
        "title": "新指令",
        "body": "逐户排查。",
        "targets": [TOWNSHIP[region]],
        "deadline": deadline.isoformat(),
    }


SUPPLY_VIEW = ("supplies.view",)
SUPPLY_MANAGE = ("supplies.manage",)
COMMAND_VIEW = ("command.view",)
COMMAND_RESPOND = ("command.respond",)


# Resumption: enterprises, liaisons, plans, applications, tickets and policies ----------------------

RESUMPTION_VIEW = ("resumption.view",)
RESUMPTION_MANAGE = ("resumption.manage",)
RESUMPTION_POLICIES = ("resumption.policies",)
# Who sees an enterprise: the officials of its jurisdiction, the liaisons stationed at it and its
# own accounts; whoever sees none of it is told it does not exist. Who acts for it: its accounts
# and its liaisons (the officials read it, 403).
ENTERPRISE_SEERS = ("resumption.view", "resumption.liaise", "resumption.enterprise")
FOR_ENTERPRISE = ("resumption.liaise", "resumption.enterprise")
# A ticket's handlers (resumption.manage at its level) and the enterprise's side both write on it.
ON_TICKET = ("resumption.manage", "resumption.liaise", "resumption.enterprise")
POLICY_READERS = ("resumption.view", "resumption.policies", "resumption.liaise", "resumption.enterprise")


def resumption_rule(
    ok: int,
    path: str,
    need: tuple[str, ...],
    *,
    see: str | tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
    code: str = "permission_denied",
) -> Rule:
    """A resumption request: `{region}`, `{today}`, `{enterprise}` (the liaison principal is
    stationed at it and the employer principal is one of its accounts), `{applicant}` (another
    such enterprise, with a checked plan and no application), `{application}` (the enterprise's
    application waiting for the county), `{park}`, `{spare}` (a liaison of the county stationed in
    the park's group, `{assignment}`, and not at the enterprise), `{employee}`, the tickets `{open}`,
    `{waiting}` and `{resolved}`, the policies `{policy}` (applied for: `{policy_application}`) and
    `{fresh_policy}` of the scope's fixtures. With `see` a tuple, the route works on an object
    hidden (404) from whoever sees none of it."""
    rule = fixture_rule(ok, path, need, resumption_names, see=see, body=body)
    return dataclasses.replace(rule, hidden=isinstance(see, tuple), code=code)


def resumption_names(world: World, scope: str) -> dict[str, Any]:
    found = world.resumption[scope]
    return {
        "region": world.region(scope),
        "today": clock.today().isoformat(),
        **{
            key: found[key].pk
            for key in (
                *("enterprise", "applicant", "application", "park", "spare", "assignment", "employee"),
                *("open", "waiting", "resolved", "policy", "policy_application", "fresh_policy"),
            )
        },
    }


def enterprise_import_file(world: World, scope: str) -> dict[str, Any]:
    code = matrix_credit_code(world.region(scope), 9)
    region = world.region(scope)
    content = f"credit_code,name,industry,region,workforce\n{code},新导入企业,manufacturing,{region},50\n"
    upload = SimpleUploadedFile("enterprises.csv", content.encode(), content_type="text/csv")
    return {"FILES": {"file": upload}}


# Volunteers: the registry, missions, hours, certificates and the hotline -------------------------

VOLUNTEERS_VIEW = ("volunteers.view",)
COORDINATE = ("volunteers.coordinate",)
SERVE = ("volunteers.serve",)
# A volunteer's own rows are theirs (the resident principal is the scope "in" volunteer); the
# officials and coordinators read those of their jurisdiction.
VOLUNTEER_READERS = ("volunteers.view", "volunteers.serve")


def volunteer_rule(
    ok: int,
    path: str,
    need: tuple[str, ...],
    *,
    see: str | tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
    exceptions: dict[tuple[str, str], tuple[int, str]] | None = None,
) -> Rule:
    """A volunteers request: `{region}`, `{township}` (where the missions are), `{volunteer}` (a
    counsellor; the resident principal's own in scope "in"), its sign-ups `{served}` (assigned to
    a running mission, on duty now: `{on_duty}`, hours waiting for approval: `{logged}`) and
    `{pending}` (waiting for a decision), the mission `{fresh}` (no sign-up), `{serial}` of the
    volunteer's certificate, the hotline shifts `{shift}` (now, with a call logged) and `{later}`
    (to cancel), the moments `{since}`, `{log_in}`, `{log_out}`, `{soon}`, `{rota_start}`,
    `{rota_end}` and the days `{week_start}`, `{week_end}`. With `see` a tuple, the route works on
    an object hidden (404) from whoever sees none of it."""
    rule = fixture_rule(ok, path, need, volunteer_names, see=see, body=body)
    return dataclasses.replace(rule, hidden=isinstance(see, tuple), exceptions=exceptions or {})


def volunteer_names(world: World, scope: str) -> dict[str, Any]:
    found = world.volunteers[scope]
    now = clock.now()

    def moment(delta: dt.timedelta) -> str:
        return (now + delta).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "region": world.region(scope),
        "township": TOWNSHIP[world.region(scope)],
        "serial": found["certificate"].serial,
        "since": moment(-dt.timedelta(minutes=5)),
        "log_in": moment(-dt.timedelta(days=1)),
        "log_out": moment(-dt.timedelta(days=1, minutes=-60)),
        "soon": moment(dt.timedelta(hours=12)),
        "rota_start": moment(dt.timedelta(days=3)),
        "rota_end": moment(dt.timedelta(days=3, hours=4)),
        "week_start": (clock.today() - dt.timedelta(days=3)).isoformat(),
        "week_end": (clock.today() + dt.timedelta(days=3)).isoformat(),
        **{
            key: found[key].pk
            for key in (
                *("volunteer", "served", "on_duty", "pending", "fresh"),
                *("logged", "shift", "later"),
            )
        },
    }


def new_volunteer(world: World, scope: str) -> dict[str, Any]:
    region = world.region(scope)
    return {**person_payload(world, scope), "region": TOWNSHIP[region], "organisation": "新志愿者队"}


# Employment: public search; posting for an employer by its accounts or the county's officials ----

POSTING = ("employment.post", "resumption.manage")


def job_payload(world: World, scope: str) -> dict[str, Any]:
    return {
        "json": {
            "employer_id": world.employment[scope]["employer"].pk,
            "title": "招聘维修电工",
            "occupation": "6-31-01-03",
            "salary_min": 4000,
            "salary_max": 6000,
            "headcount": 2,
            "closing_date": (clock.today() + dt.timedelta(days=30)).isoformat(),
        }
    }


def employment_rule(ok: int, request: Callable[[World, str], tuple[str, dict[str, Any]]], scope: str) -> Rule:
    """A write on an employer's posts: its accounts (employment.post) or resumption.manage over its
    county; another employer's, or one outside the jurisdiction, is not found."""
    return Rule(ok, request, need=POSTING, any_of=True, scope=scope, see=POSTING)


SEEK = ("employment.seek",)
# An employer's posts, applicants and hires are read by its accounts and the officials over it.
HIRING_READERS = ("employment.post", "resumption.view", "resumption.manage")
EMPLOYER_READERS = ("employment.post", "resumption.view")


def job_rule(
    ok: int,
    path: str,
    need: tuple[str, ...],
    *,
    see: tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
    **fields: Any,
) -> Rule:
    """A job-matching request: `{region}`, `{village}`, `{employer}`, its posts `{post}` (open, no
    applicants), `{pipeline}` (the scope's volunteer applied and was shortlisted: `{application}`)
    and the days `{since}` and `{today}` of the scope's fixtures. With `see` it works on one object
    (outside: 404); without, it names no region unless `fields` give a `scope`. The lookups come
    after the capability check, so whoever holds none of `need` is refused (403) in both scopes."""
    rule = fixture_rule(ok, path, need, job_names, see=see, body=body)
    return dataclasses.replace(rule, **{"scope": "object" if see else None, **fields})


def job_names(world: World, scope: str) -> dict[str, Any]:
    found = world.employment[scope]
    return {
        "region": world.region(scope),
        "village": VILLAGE[world.region(scope)],
        "since": (clock.today() - dt.timedelta(days=7)).isoformat(),
        "today": clock.today().isoformat(),
        **{key: found[key].pk for key in ("employer", "post", "pipeline", "application")},
    }


# Vouchers: public programmes run by officials, claimed by residents, redeemed at merchants -------

VOUCHERS_VIEW = ("vouchers.view",)
VOUCHERS_MANAGE = ("vouchers.manage",)
CLAIM = ("vouchers.claim",)
MERCHANT = ("vouchers.merchant",)
# A merchant and its redemptions and settlements are read by the officials over it and its own
# accounts; a merchant is registered, and its redemptions refunded, by its accounts or by those who
# manage its region.
MERCHANT_READERS = ("vouchers.view", "vouchers.merchant")
FOR_MERCHANT = ("vouchers.manage", "vouchers.merchant")


def voucher_rule(
    ok: int,
    path: str,
    need: tuple[str, ...],
    *,
    see: tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
    **fields: Any,
) -> Rule:
    """A vouchers request: `{region}`, `{village}`, the programmes `{open}` (first come, claimable
    now), `{listed}` (a draft for an eligibility list), `{lottery}` (taking entries) and `{ended}`
    (entries closed, one entry, not drawn), the approved `{merchant}` (the merchant principal is an
    account of the "in" one), the `{code}` of a voucher the scope's volunteer holds, `{due}` (a
    redemption past its hold period, not settled), the open fraud `{flag}`, the `{id_number}` of the
    scope's resident and a fresh `{order_no}`. With `see` it works on one object (outside: 404);
    without, it names no region unless `fields` give a `scope`. Every route checks the capability
    before it looks anything up, so whoever holds none of `need` is refused (403) in both scopes."""
    rule = fixture_rule(ok, path, need, voucher_names, see=see, body=body)
    return dataclasses.replace(rule, **{"scope": "object" if see else None, **fields})


def voucher_names(world: World, scope: str) -> dict[str, Any]:
    found, region = world.vouchers[scope], world.region(scope)
    return {
        "region": region,
        "village": VILLAGE[region],
        "code": found["held"].code,
        "id_number": ID_NUMBER[region],
        "order_no": f"MATRIX-{region}-NEW",
        **{key: found[key].pk for key in ("open", "listed", "lottery", "ended", "merchant", "due", "flag")},
    }


def program_payload(world: World, scope: str) -> dict[str, Any]:
    region, now = world.region(scope), clock.now()
    return {
        "json": {
            "name": "新一期消费券",
            "funder_kind": "government",
            "funder": "区人民政府",
            "region": region,
            "regions": [region],
            "budget_fen": 1_000_000,
            "categories": ["catering"],
            "claiming": "first_come",
            "claim_opens": now.isoformat(),
            "claim_closes": (now + dt.timedelta(days=7)).isoformat(),
            "valid_from": now.isoformat(),
            "valid_until": (now + dt.timedelta(days=30)).isoformat(),
            "denominations": [{"face_value_fen": 2000, "threshold_fen": 10000, "stock": 50}],
        }
    }


MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule(200, lambda w, s: ("/health", {}), need=PUBLIC),
    ("POST", "/auth/token"): Rule(
        200,
        lambda w, s: ("/auth/token", {"json": {"username": "matrix-login", "password": PASSWORD}}),
        need=PUBLIC,
    ),
    ("DELETE", "/auth/token"): Rule(204, lambda w, s: ("/auth/token", {})),
    ("GET", "/me"): Rule(200, lambda w, s: ("/me", {})),
    ("GET", "/regions"): Rule(200, lambda w, s: (f"/regions?parent={w.region(s)}", {})),
    ("GET", "/regions/{code}"): Rule(200, lambda w, s: (f"/regions/{VILLAGE[w.region(s)]}", {})),
    ("GET", "/regions/places"): Rule(
        200,
        lambda w, s: (f"/regions/places?region={w.region(s)}&kind=compound_gate", {}),
        need=("places.view",),
        scope="list",
    ),
    ("POST", "/regions/places"): Rule(
        201,
        lambda w, s: (
            "/regions/places",
            {"json": {"name": "新卡口", "kind": "compound_gate", "region": VILLAGE[w.region(s)]}},
        ),
        need=("places.manage",),
        scope="create",
    ),
    ("GET", "/regions/places/{place_id}"): Rule(
        200,
        lambda w, s: (f"/regions/places/{w.place[s].pk}", {}),
        need=("places.view",),
        scope="object",
        see="places.view",
    ),
    ("GET", "/people"): Rule(
        200, lambda w, s: (f"/people?region={VILLAGE[w.region(s)]}", {}), need=("people.view",), scope="list"
    ),
    ("POST", "/people"): Rule(
        201, lambda w, s: ("/people", {"json": person_payload(w, s)}), need=("people.manage",), scope="create"
    ),
    ("POST", "/people/lookup"): Rule(
        200,
        lambda w, s: ("/people/lookup", {"json": {"id_number": ID_NUMBER[w.region(s)]}}),
        need=("people.view",),
        scope="object",
        see="people.view",
    ),
    ("GET", "/people/{person_id}"): Rule(
        200,
        lambda w, s: (f"/people/{w.person[s].pk}", {}),
        need=("people.view",),
        scope="object",
        see="people.view",
    ),
    ("POST", "/people/{person_id}/reveal"): Rule(
        200,
        lambda w, s: (f"/people/{w.person[s].pk}/reveal", {"json": {"reason": "流调核实身份"}}),
        need=("people.view", "people.reveal"),
        scope="object",
        see="people.view",
    ),
    ("POST", "/people/imports"): Rule(
        202, lambda w, s: ("/people/imports", import_file(w, s)), need=("people.manage",)
    ),
    # A job is visible to whoever started it and to those who hold its capability over its region;
    # to everyone else it does not exist.
    ("GET", "/jobs/{job_id}"): Rule(
        200,
        lambda w, s: (f"/jobs/{w.job[s].pk}", {}),
        need=("people.view",),
        scope="object",
        see="people.view",
        denied=404,
    ),
    ("GET", "/surveillance/cases"): Rule(
        200,
        lambda w, s: (f"/surveillance/cases?region={w.region(s)}&classification=suspected", {}),
        need=("cases.view",),
        scope="list",
    ),
    ("POST", "/surveillance/cases"): Rule(
        201,
        lambda w, s: ("/surveillance/cases", {"json": case_payload(w, s)}),
        need=("cases.report",),
        scope="create",
    ),
    ("GET", "/surveillance/cases/{case_id}"): Rule(
        200,
        lambda w, s: (f"/surveillance/cases/{w.case(s)}", {}),
        need=("cases.view",),
        scope="object",
        see="cases.view",
    ),
    ("POST", "/surveillance/cases/{case_id}/confirm"): case_step(
        "confirm", "suspected", {"date": "2020-01-23", "method": "nucleic_acid"}
    ),
    ("POST", "/surveillance/cases/{case_id}/exclude"): case_step(
        "exclude", "suspected", {"date": "2020-01-23"}
    ),
    ("POST", "/surveillance/cases/{case_id}/severity"): case_step(
        "severity", "confirmed", {"date": "2020-01-25", "severity": "severe"}
    ),
    ("POST", "/surveillance/cases/{case_id}/outcome"): case_step(
        "outcome", "confirmed", {"date": "2020-02-10", "outcome": "cured"}
    ),
    ("POST", "/surveillance/imports"): Rule(
        202, lambda w, s: ("/surveillance/imports", case_import_file(w, s)), need=("cases.report",)
    ),
    ("GET", "/surveillance/clusters"): Rule(
        200,
        lambda w, s: (f"/surveillance/clusters?region={w.region(s)}", {}),
        need=("cases.view",),
        scope="list",
    ),
    ("POST", "/surveillance/clusters"): Rule(
        201,
        lambda w, s: ("/surveillance/clusters", {"json": cluster_payload(w, s)}),
        need=("cases.report",),
        scope="create",
    ),
    ("GET", "/surveillance/reports"): report_rule("reports"),
    ("GET", "/surveillance/reports/export"): report_rule("reports/export", "&format=csv"),
    ("GET", "/surveillance/summary"): report_rule("summary", "&date=2020-02-01"),
    ("GET", "/surveillance/risk-levels"): report_rule("risk-levels", "&date=2020-02-01"),
    ("GET", "/surveillance/response-levels"): Rule(
        200, lambda w, s: ("/surveillance/response-levels", {}), need=("reports.view",)
    ),
    # Response levels are declared for the province; the matrix's principals hold their roles at a
    # county, so even provincial command staff are refused here (tests/surveillance/test_api.py
    # covers command staff at the province).
    ("POST", "/surveillance/response-levels"): Rule(
        403,
        lambda w, s: ("/surveillance/response-levels", {"json": {"level": "I", "start_date": "2020-01-23"}}),
        need=("response.manage",),
    ),
    ("GET", "/labs/referrals"): Rule(
        200,
        lambda w, s: (f"/labs/referrals?county={w.region(s)}&status=open", {}),
        need=("labs.referrals",),
        scope="list",
    ),
    ("POST", "/labs/referrals"): Rule(
        201,
        lambda w, s: ("/labs/referrals", {"json": referral_payload(w, s)}),
        need=("labs.referrals",),
        scope="create",
    ),
    ("GET", "/labs/referrals/{referral_id}"): referral_rule(200),
    ("POST", "/labs/referrals/{referral_id}/close"): referral_rule(
        200, "/close", {"status": "cleared", "note": "核酸阴性"}
    ),
    # Results are read by the labs and clinics that report them and by the officials who follow
    # referrals up.
    ("GET", "/labs/results"): Rule(
        200,
        lambda w, s: (f"/labs/results?person_id={w.person[s].pk}", {}),
        need=("labs.results", "labs.referrals"),
        any_of=True,
        scope="list",
    ),
    ("POST", "/labs/results"): Rule(
        201,
        lambda w, s: ("/labs/results", {"json": result_payload(w, s)}),
        need=("labs.results",),
        scope="create",
    ),
    # Testing: a region's figures, and the clinic's and the lab's objects of each scope's county.
    ("GET", "/labs/summary"): lab_rule(200, "/labs/summary?region={region}", ("labs.view",), see="labs.view"),
    ("GET", "/labs/positivity"): lab_rule(
        200,
        "/labs/positivity?region={region}&start=2020-02-01&end=2020-02-07",
        ("labs.view",),
        see="labs.view",
    ),
    ("GET", "/labs/visits"): Rule(
        200,
        lambda w, s: (f"/labs/visits?clinic_id={w.testing[s]['clinic'].pk}", {}),
        need=("labs.clinic", "labs.view"),
        any_of=True,
        scope="list",
    ),
    ("POST", "/labs/visits"): lab_rule(
        201,
        "/labs/visits",
        ("labs.clinic",),
        clinic_id="{clinic}",
        person_id="{person}",
        temperature=37.8,
        symptoms=["cough"],
        exposures=[],
        code_colour="green",
    ),
    ("GET", "/labs/visits/{visit_id}"): lab_rule(
        200, "/labs/visits/{visit}", ("labs.clinic", "labs.view"), see="labs.view"
    ),
    ("GET", "/labs/samples"): Rule(
        200,
        lambda w, s: (f"/labs/samples?query={w.testing[s]['collected'].barcode}", {}),
        need=SAMPLE_READERS,
        any_of=True,
        scope="list",
    ),
    ("POST", "/labs/samples"): lab_rule(
        201,
        "/labs/samples",
        ("labs.clinic",),
        place_id="{clinic}",
        person_id="{person}",
        barcode="N{region}01",
    ),
    ("GET", "/labs/samples/{barcode}"): lab_rule(
        200, "/labs/samples/{collected}", SAMPLE_READERS, see="labs.view"
    ),
    ("POST", "/labs/pools"): lab_rule(
        201,
        "/labs/pools",
        ("labs.clinic",),
        place_id="{clinic}",
        barcode="Q{region}99",
        size=5,
        member_barcodes=["{poolable}"],
    ),
    ("POST", "/labs/samples/ship"): lab_rule(
        200, "/labs/samples/ship", ("labs.clinic",), lab_id="{lab}", barcodes=["{collected}"]
    ),
    ("POST", "/labs/samples/receive"): lab_rule(
        200, "/labs/samples/receive", ("labs.results",), lab_id="{lab}", barcodes=["{shipped}"]
    ),
    # A result is reported by whoever holds labs.results over the sample's lab; the officials who
    # follow testing read the sample but are refused the report in both counties.
    ("POST", "/labs/samples/{barcode}/result"): lab_rule(
        200,
        "/labs/samples/{received}/result",
        ("labs.results",),
        see="labs.results",
        result="negative",
        operator="检验员甲",
    ),
    ("POST", "/labs/results/import"): Rule(
        202, lambda w, s: ("/labs/results/import", results_file(w, s)), need=("labs.results",), scope="create"
    ),
    # Re-tests and labs take no county: each principal reads its own (secrets_of checks that the
    # other county's stay out).
    ("GET", "/labs/retests"): Rule(
        200, lambda w, s: ("/labs/retests", {}), need=("labs.clinic", "labs.view"), any_of=True
    ),
    ("GET", "/labs/laboratories"): Rule(
        200,
        lambda w, s: (f"/labs/laboratories?region={w.region(s)}", {}),
        need=("labs.view", "labs.clinic", "labs.results", "labs.manage"),
        any_of=True,
    ),
    ("PUT", "/labs/laboratories/{place_id}"): lab_rule(
        200, "/labs/laboratories/{lab}", ("labs.manage",), see="labs.manage", daily_capacity=800
    ),
    ("GET", "/healthpass/keys"): Rule(200, lambda w, s: ("/healthpass/keys", {}), need=PUBLIC),
    ("GET", "/healthpass/revocations"): Rule(
        200, lambda w, s: ("/healthpass/revocations", {}), need=("healthpass.scan",)
    ),
    ("GET", "/healthpass/me"): own_code_rule("/healthpass/me", 200),
    ("POST", "/healthpass/me/pass"): own_code_rule("/healthpass/me/pass", 201),
    ("POST", "/healthpass/me/declarations"): own_code_rule(
        "/healthpass/me/declarations", 201, {"temperature": 36.5}
    ),
    ("POST", "/healthpass/me/appeals"): own_code_rule("/healthpass/me/appeals", 201, {"text": "颜色有误"}),
    ("GET", "/healthpass/gates"): Rule(
        200, lambda w, s: ("/healthpass/gates", {}), need=("healthpass.scan",)
    ),
    ("POST", "/healthpass/verify"): Rule(
        200, lambda w, s: ("/healthpass/verify", {"json": {"token": "FY1:x"}}), need=("healthpass.scan",)
    ),
    ("POST", "/healthpass/scans"): Rule(
        201,
        lambda w, s: ("/healthpass/scans", {"json": scan_payload(w, s)}),
        need=("healthpass.scan",),
        scope="create",
    ),
    ("GET", "/healthpass/stats"): Rule(
        200, lambda w, s: ("/healthpass/stats", {}), need=("healthpass.view",)
    ),
    ("GET", "/healthpass/changes"): Rule(
        200, lambda w, s: ("/healthpass/changes", {}), need=("healthpass.view",)
    ),
    ("GET", "/healthpass/people/{person_id}"): Rule(
        200,
        lambda w, s: (f"/healthpass/people/{w.person[s].pk}", {}),
        need=("healthpass.view",),
        scope="object",
        see="healthpass.view",
    ),
    ("POST", "/healthpass/declarations/{declaration_id}/verify"): healthpass_rule(
        "/healthpass/declarations/{id}/verify", "declaration", {}, "people.manage"
    ),
    ("GET", "/healthpass/overrides"): Rule(
        200, lambda w, s: ("/healthpass/overrides", {}), need=("healthpass.manage",)
    ),
    ("POST", "/healthpass/overrides"): Rule(
        201,
        lambda w, s: (
            "/healthpass/overrides",
            {"json": {"person_id": str(w.person[s].pk), "colour": "red", "reason": "密接待核实"}},
        ),
        need=("healthpass.manage",),
        scope="create",
    ),
    ("POST", "/healthpass/overrides/{override_id}/approve"): healthpass_rule(
        "/healthpass/overrides/{id}/approve", "pending", {}
    ),
    ("POST", "/healthpass/overrides/{override_id}/reject"): healthpass_rule(
        "/healthpass/overrides/{id}/reject", "pending", {"note": "依据不足"}
    ),
    ("POST", "/healthpass/overrides/{override_id}/end"): healthpass_rule(
        "/healthpass/overrides/{id}/end", "active", {"note": "观察期满"}
    ),
    ("GET", "/healthpass/appeals"): Rule(
        200, lambda w, s: ("/healthpass/appeals", {}), need=("healthpass.manage",)
    ),
    ("POST", "/healthpass/appeals/{appeal_id}/decide"): healthpass_rule(
        "/healthpass/appeals/{id}/decide", "appeal", {"uphold": False, "response": "核实无误"}
    ),
    ("GET", "/hospitals/beds"): hospital_rule(
        200, "/hospitals/beds?region={region}", "hospitals.view", see="hospitals.view"
    ),
    ("GET", "/hospitals/statistics"): hospital_rule(
        200, "/hospitals/statistics?region={region}", "hospitals.view", see="hospitals.view"
    ),
    ("PUT", "/hospitals/hospitals/{place_id}/wards/{bed_type}"): hospital_rule(
        200,
        "/hospitals/hospitals/{hospital}/wards/isolation",
        "hospitals.manage",
        see="hospitals.manage",
        body={"capacity": 20},
    ),
    # An expert reads the admissions of the consultations they are invited to: the expert
    # principal is the login of the scope "in" expert, invited to that county's consultation.
    ("GET", "/hospitals/admissions"): Rule(
        200,
        lambda w, s: (f"/hospitals/admissions?hospital_id={w.hospitals[s]['hospital'].pk}", {}),
        need=("hospitals.view",),
        scope="list",
    ),
    ("POST", "/hospitals/admissions"): hospital_rule(
        201,
        "/hospitals/admissions",
        "hospitals.treat",
        body={
            "case_id": "{case}",
            "hospital_id": "{hospital}",
            "bed_type": "isolation",
            "admitted_on": "2020-02-03",
        },
    ),
    ("GET", "/hospitals/admissions/{admission_id}"): hospital_rule(
        200, "/hospitals/admissions/{admission}", "hospitals.view", see="hospitals.view"
    ),
    ("POST", "/hospitals/admissions/{admission_id}/severity"): hospital_rule(
        201,
        "/hospitals/admissions/{admission}/severity",
        "hospitals.treat",
        see="hospitals.treat",
        body={"date": "2020-02-05", "severity": "critical", "temperature": 38.2, "spo2": 90},
    ),
    ("POST", "/hospitals/admissions/{admission_id}/treatments"): hospital_rule(
        201,
        "/hospitals/admissions/{admission}/treatments",
        "hospitals.treat",
        see="hospitals.treat",
        body={"date": "2020-02-05", "kind": "tcm", "detail": "清肺排毒汤"},
    ),
    ("POST", "/hospitals/admissions/{admission_id}/transfer"): hospital_rule(
        201,
        "/hospitals/admissions/{admission}/transfer",
        "hospitals.treat",
        see="hospitals.treat",
        body={"hospital_id": "{target}", "bed_type": "icu", "date": "2020-02-06", "reason": "转上级医院"},
    ),
    ("POST", "/hospitals/admissions/{admission_id}/discharge"): hospital_rule(
        200,
        "/hospitals/admissions/{admission}/discharge",
        "hospitals.treat",
        see="hospitals.treat",
        body={"date": "2020-02-14"},
    ),
    ("POST", "/hospitals/admissions/{admission_id}/death"): hospital_rule(
        200,
        "/hospitals/admissions/{admission}/death",
        "hospitals.treat",
        see="hospitals.treat",
        body={"date": "2020-02-14"},
    ),
    ("GET", "/hospitals/admissions/{admission_id}/transfer-candidates"): hospital_rule(
        200, "/hospitals/admissions/{admission}/transfer-candidates", "hospitals.treat", see="hospitals.treat"
    ),
    ("GET", "/hospitals/admissions/{admission_id}/discharge-check"): hospital_rule(
        200, "/hospitals/admissions/{admission}/discharge-check", "hospitals.view", see="hospitals.view"
    ),
    # The experts are the province's directory, read by every holder of hospitals.view.
    ("GET", "/hospitals/experts"): Rule(
        200, lambda w, s: ("/hospitals/experts", {}), need=("hospitals.view",)
    ),
    # The directory (experts, groups, rota) is run by the prefectures and the province; the
    # matrix's principals hold their roles at a county, so even hospitals.manage is refused (403,
    # in and out of scope alike). tests/hospitals cover a prefecture official.
    ("POST", "/hospitals/experts"): Rule(
        403,
        lambda w, s: ("/hospitals/experts", {"json": {"name": "新专家", "specialty": "respiratory"}}),
        need=("hospitals.manage",),
    ),
    # Groups take no county: each principal reads those of its prefecture and province.
    ("GET", "/hospitals/expert-groups"): Rule(
        200, lambda w, s: ("/hospitals/expert-groups", {}), need=("hospitals.view",)
    ),
    ("POST", "/hospitals/expert-groups"): Rule(
        403,
        lambda w, s: (
            "/hospitals/expert-groups",
            {"json": {"name": "新专家组", "region": w.hospitals[s]["group"].region_id, "member_ids": []}},
        ),
        need=("hospitals.manage",),
    ),
    ("GET", "/hospitals/expert-groups/{group_id}/rota"): hospital_rule(
        200, "/hospitals/expert-groups/{group}/rota?start=2020-02-01", "hospitals.view", see="hospitals.view"
    ),
    ("POST", "/hospitals/expert-groups/{group_id}/rota"): Rule(
        403,
        lambda w, s: (
            f"/hospitals/expert-groups/{w.hospitals[s]['group'].pk}/rota",
            {"json": {"expert_id": str(w.hospitals[s]["expert"].pk), "date": "2020-02-04", "shift": "night"}},
        ),
        need=("hospitals.manage",),
    ),
    # Consultations take no county: each principal reads its own hospitals' (an expert: those they
    # are invited to).
    ("GET", "/hospitals/consultations"): Rule(
        200, lambda w, s: ("/hospitals/consultations", {}), need=("hospitals.view",)
    ),
    ("POST", "/hospitals/consultations"): hospital_rule(
        201,
        "/hospitals/consultations",
        "hospitals.treat",
        body={"admission_id": "{admission}", "question": "是否需要俯卧位通气？"},
    ),
    ("GET", "/hospitals/consultations/{consultation_id}"): hospital_rule(
        200, "/hospitals/consultations/{consultation}", "hospitals.view", see="hospitals.view"
    ),
    ("POST", "/hospitals/consultations/{consultation_id}/invite"): hospital_rule(
        200,
        "/hospitals/consultations/{consultation}/invite",
        "hospitals.treat",
        see="hospitals.treat",
        body={"expert_ids": ["{expert}"]},
    ),
    ("POST", "/hospitals/consultations/{consultation_id}/schedule"): hospital_rule(
        200,
        "/hospitals/consultations/{consultation}/schedule",
        "hospitals.treat",
        see="hospitals.treat",
        body={"scheduled_at": "2100-01-01T10:00:00+08:00", "video_url": "https://meeting.example.cn/r/1"},
    ),
    ("POST", "/hospitals/consultations/{consultation_id}/close"): hospital_rule(
        200,
        "/hospitals/consultations/{consultation}/close",
        "hospitals.treat",
        see="hospitals.treat",
        body={"status": "completed"},
    ),
    # Only the invited expert writes an opinion or answers: the expert principal in its own
    # county's consultation; the other county's expert has no login.
    ("POST", "/hospitals/consultations/{consultation_id}/opinions"): hospital_rule(
        201,
        "/hospitals/consultations/{consultation}/opinions",
        "hospitals.consult",
        see="hospitals.consult",
        body={"text": "建议俯卧位通气"},
    ),
    ("POST", "/hospitals/invitations/{invitation_id}/answer"): hospital_rule(
        200,
        "/hospitals/invitations/{invitation}/answer",
        "hospitals.consult",
        see="hospitals.consult",
        body={"accept": True},
    ),
    ("GET", "/screening/runs"): Rule(200, lambda w, s: ("/screening/runs", {}), need=("screening.view",)),
    ("POST", "/screening/runs"): Rule(
        201,
        lambda w, s: ("/screening/runs", {"json": {"region": w.region(s)}}),
        need=("screening.run",),
        scope="create",
    ),
    ("GET", "/screening/runs/{run_id}"): run_rule(),
    ("GET", "/screening/runs/{run_id}/hits"): run_rule("/hits"),
    ("GET", "/screening/risk-areas"): Rule(
        200, lambda w, s: ("/screening/risk-areas", {}), need=("screening.view",)
    ),
    ("POST", "/screening/risk-areas"): screening_rule(
        403, "/screening/risk-areas", {"area_code": "4203", "name": "十堰市", "starts_on": "2020-01-23"}
    ),
    ("POST", "/screening/risk-areas/{risk_area_id}/end"): screening_rule(
        403, "/screening/risk-areas/{id}/end", {"ends_on": "2020-03-10"}
    ),
    ("POST", "/screening/imports"): Rule(
        403, lambda w, s: ("/screening/imports", travel_file(w, s)), need=("screening.run",)
    ),
    ("GET", "/screening/tasks"): Rule(
        200,
        lambda w, s: (f"/screening/tasks?region={w.region(s)}", {}),
        need=("screening.view", "screening.verify"),
        any_of=True,
        scope="list",
    ),
    ("GET", "/screening/tasks/{task_id}"): task_rule(200, "/screening/tasks/{id}"),
    ("POST", "/screening/tasks/{task_id}/verify"): task_rule(
        200, "/screening/tasks/{id}/verify", {"outcome": "false_match", "note": "同名误报"}, verify=True
    ),
    ("GET", "/screening/progress"): task_rule(200, "/screening/progress?region={region}"),
    ("GET", "/quarantine/summary"): quarantine_rule("/quarantine/summary?region={region}"),
    ("GET", "/quarantine/observations"): Rule(
        200,
        lambda w, s: (f"/quarantine/observations?region={w.region(s)}&status=active", {}),
        need=("quarantine.view",),
        scope="list",
    ),
    ("POST", "/quarantine/observations"): Rule(
        201,
        lambda w, s: ("/quarantine/observations", {"json": observation_payload(w, s)}),
        need=("quarantine.manage",),
        scope="create",
    ),
    ("GET", "/quarantine/observations/{period_id}"): observation_rule("/quarantine/observations/{id}"),
    ("POST", "/quarantine/observations/{period_id}/release"): observation_rule(
        "/quarantine/observations/{id}/release", "quarantine.manage", {"note": "期满核酸阴性"}
    ),
    ("POST", "/quarantine/observations/{period_id}/end"): observation_rule(
        "/quarantine/observations/{id}/end", "quarantine.manage", {"status": "cancelled", "note": "误录"}
    ),
    ("POST", "/quarantine/observations/{period_id}/checkins"): observation_rule(
        "/quarantine/observations/{id}/checkins", "quarantine.checkin", {"temperature": 36.6}, ok=201
    ),
    # The resident's own observation: only the resident principal is linked to a resident, who is
    # not observed, so it reads no period and has none to check in to (409).
    ("GET", "/quarantine/me"): Rule(
        403,
        lambda w, s: ("/quarantine/me", {}),
        code="quarantine.no_resident",
        exceptions=as_resident(200),
    ),
    ("POST", "/quarantine/me/checkins"): Rule(
        403,
        lambda w, s: ("/quarantine/me/checkins", {"json": {"temperature": 36.6}}),
        code="quarantine.no_resident",
        exceptions=as_resident(409, "checkin.not_under_observation"),
    ),
    # Alerts and sites take no region: each principal reads its own county's (secrets_of checks
    # that the other county's stay out).
    ("GET", "/quarantine/alerts"): Rule(
        200, lambda w, s: ("/quarantine/alerts", {}), need=("quarantine.view",)
    ),
    ("POST", "/quarantine/alerts/{alert_id}/resolve"): Rule(
        200,
        lambda w, s: (
            f"/quarantine/alerts/{w.quarantine[s]['alert'].pk}/resolve",
            {"json": {"note": "已电话联系"}},
        ),
        need=("quarantine.manage", "quarantine.checkin"),
        any_of=True,
        scope="object",
        see="quarantine.checkin",
    ),
    ("GET", "/quarantine/sites"): Rule(
        200, lambda w, s: ("/quarantine/sites", {}), need=("quarantine.view",)
    ),
    ("POST", "/quarantine/sites"): Rule(
        201,
        lambda w, s: (
            "/quarantine/sites",
            {"json": {"name": "新隔离酒店", "kind": "hotel", "region": w.region(s), "rooms": 10}},
        ),
        need=("quarantine.manage",),
        scope="create",
    ),
    ("POST", "/quarantine/sites/{site_id}"): Rule(
        200,
        lambda w, s: (f"/quarantine/sites/{w.quarantine[s]['site'].pk}", {"json": {"rooms": 30}}),
        need=("quarantine.manage",),
        scope="object",
        see="quarantine.manage",
    ),
    ("GET", "/quarantine/contacts"): Rule(
        200,
        lambda w, s: (f"/quarantine/contacts?case_id={w.case(s, 'confirmed')}", {}),
        need=("quarantine.view",),
        scope="list",
    ),
    ("POST", "/quarantine/contacts"): Rule(
        201,
        lambda w, s: ("/quarantine/contacts", {"json": contact_payload(w, s)}),
        need=("quarantine.trace",),
        scope="create",
    ),
    ("GET", "/quarantine/contacts/{contact_id}"): quarantine_rule("/quarantine/contacts/{contact}"),
    ("GET", "/quarantine/graph"): quarantine_rule("/quarantine/graph?case_id={case}"),
    ("GET", "/supplies/stock"): supply_rule(
        200, "/supplies/stock?region={region}", SUPPLY_VIEW, see="supplies.view"
    ),
    # The catalogue is reference data for every signed-in user.
    ("GET", "/supplies/items"): Rule(200, lambda w, s: ("/supplies/items", {})),
    ("POST", "/supplies/items"): Rule(
        201,
        lambda w, s: (
            "/supplies/items",
            {"json": {"code": "matrix-new", "name": "新物资", "category": "protection", "unit": "只"}},
        ),
        need=SUPPLY_MANAGE,
    ),
    ("GET", "/supplies/warehouses"): supply_rule(
        200, "/supplies/warehouses?region={region}", SUPPLY_VIEW, see="supplies.view"
    ),
    ("POST", "/supplies/warehouses"): supply_rule(
        201, "/supplies/warehouses", SUPPLY_MANAGE, body={"place_id": "{fresh}", "level": "county"}
    ),
    ("GET", "/supplies/ledger"): supply_rule(
        200, "/supplies/ledger?warehouse_id={warehouse}", SUPPLY_VIEW, see="supplies.view"
    ),
    ("POST", "/supplies/ledger/receipts"): supply_rule(
        201,
        "/supplies/ledger/receipts",
        SUPPLY_MANAGE,
        body={
            "warehouse_id": "{warehouse}",
            "item_id": "{item}",
            "quantity": 10,
            "client_key": "matrix-in-1",
        },
    ),
    ("POST", "/supplies/ledger/issues"): supply_rule(
        201,
        "/supplies/ledger/issues",
        SUPPLY_MANAGE,
        body={
            "warehouse_id": "{warehouse}",
            "item_id": "{item}",
            "quantity": 10,
            "client_key": "matrix-out-1",
        },
    ),
    ("POST", "/supplies/ledger/adjustments"): supply_rule(
        201,
        "/supplies/ledger/adjustments",
        SUPPLY_MANAGE,
        body={
            "warehouse_id": "{warehouse}",
            "item_id": "{item}",
            "quantity": -5,
            "reason": "盘点破损",
            "client_key": "matrix-adjust-1",
        },
    ),
    ("POST", "/supplies/ledger/{entry_id}/reversal"): supply_rule(
        201,
        "/supplies/ledger/{entry}/reversal",
        SUPPLY_MANAGE,
        see="supplies.manage",
        body={"reason": "重复入库", "client_key": "matrix-reverse-1"},
    ),
    # Producers take no county: each principal reads those of its jurisdiction.
    ("GET", "/supplies/producers"): Rule(200, lambda w, s: ("/supplies/producers", {}), need=SUPPLY_VIEW),
    ("POST", "/supplies/producers"): supply_rule(
        201, "/supplies/producers", SUPPLY_MANAGE, body={"name": "新口罩厂", "region": "{region}"}
    ),
    ("POST", "/supplies/producers/{producer_id}/days"): supply_rule(
        200,
        "/supplies/producers/{producer}/days",
        SUPPLY_MANAGE,
        see="supplies.manage",
        body={"item_id": "{item}", "date": "2020-02-02", "capacity": 2000, "output": 1800},
    ),
    # Production is summed over the producers of the principal's jurisdiction.
    ("GET", "/supplies/production"): Rule(
        200,
        lambda w, s: (
            f"/supplies/production?item={w.supplies[s]['item'].pk}&start=2020-02-01&end=2020-02-07",
            {},
        ),
        need=SUPPLY_VIEW,
    ),
    # Each scope has its own item, so the scope's open requests are those of its item.
    ("GET", "/supplies/requests"): Rule(
        200,
        lambda w, s: (f"/supplies/requests?status=open&item_id={w.supplies[s]['item'].pk}", {}),
        need=("supplies.view", "supplies.request"),
        any_of=True,
        scope="list",
    ),
    ("POST", "/supplies/requests"): supply_rule(
        201,
        "/supplies/requests",
        ("supplies.request",),
        body={"region": "{region}", "item_id": "{item}", "quantity": 20, "priority": 1, "reason": "ICU 告急"},
    ),
    ("POST", "/supplies/requests/{request_id}/cancel"): supply_rule(
        200, "/supplies/requests/{request}/cancel", ("supplies.request",), see="supplies.request"
    ),
    # Runs and shipments take no county: each principal reads its own warehouses' (secrets_of
    # checks that the other county's stay out).
    ("GET", "/supplies/allocation-runs"): Rule(
        200, lambda w, s: ("/supplies/allocation-runs", {}), need=SUPPLY_VIEW
    ),
    ("POST", "/supplies/allocation-runs"): supply_rule(
        201,
        "/supplies/allocation-runs",
        SUPPLY_MANAGE,
        body={"item_id": "{item}", "warehouse_id": "{warehouse}"},
    ),
    ("GET", "/supplies/allocation-runs/{run_id}"): supply_rule(
        200, "/supplies/allocation-runs/{run}", SUPPLY_VIEW, see="supplies.view"
    ),
    ("GET", "/supplies/shipments"): Rule(200, lambda w, s: ("/supplies/shipments", {}), need=SUPPLY_VIEW),
    ("POST", "/supplies/shipments"): supply_rule(
        201,
        "/supplies/shipments",
        SUPPLY_MANAGE,
        body={
            "origin_id": "{warehouse}",
            "destination_id": "{province}",
            "lines": [{"item_id": "{item}", "quantity": 5}],
        },
    ),
    ("GET", "/supplies/shipments/{shipment_id}"): supply_rule(
        200, "/supplies/shipments/{planned}", SUPPLY_VIEW, see="supplies.view"
    ),
    ("POST", "/supplies/shipments/{shipment_id}/dispatch"): supply_rule(
        200,
        "/supplies/shipments/{planned}/dispatch",
        SUPPLY_MANAGE,
        see="supplies.manage",
        body={"client_key": "matrix-dispatch-1"},
    ),
    ("POST", "/supplies/shipments/{shipment_id}/deliver"): supply_rule(
        200,
        "/supplies/shipments/{dispatched}/deliver",
        SUPPLY_MANAGE,
        see="supplies.manage",
        body={"client_key": "matrix-deliver-1"},
    ),
    ("POST", "/supplies/shipments/{shipment_id}/cancel"): supply_rule(
        200, "/supplies/shipments/{planned}/cancel", SUPPLY_MANAGE, see="supplies.manage"
    ),
    # Donations are the province's, read whole by whoever keeps or oversees them; goods received
    # go into a warehouse of the keeper's jurisdiction.
    ("GET", "/supplies/donations"): Rule(
        200,
        lambda w, s: ("/supplies/donations", {}),
        need=("supplies.donations", "supplies.view"),
        any_of=True,
    ),
    ("POST", "/supplies/donations"): supply_rule(
        201,
        "/supplies/donations",
        ("supplies.donations",),
        body={
            "direction": "in",
            "kind": "goods",
            "donor": "旅欧华侨华人联合会",
            "recipient": "湖南省红十字会",
            "date": "2020-02-01",
            "receipt_number": "MATRIX-0002",
            "item_id": "{item}",
            "quantity": 50,
            "warehouse_id": "{warehouse}",
            "client_key": "matrix-donation-2",
        },
    ),
    ("GET", "/supplies/donations/public"): Rule(
        200, lambda w, s: ("/supplies/donations/public", {}), need=PUBLIC
    ),
    ("GET", "/supplies/reconciliations/latest"): Rule(
        200, lambda w, s: ("/supplies/reconciliations/latest", {}), need=SUPPLY_VIEW
    ),
    # The inbox takes no county: each principal reads the targets at its own region (secrets_of
    # checks that the other county's directive stays out).
    ("GET", "/command/directives"): Rule(200, lambda w, s: ("/command/directives", {}), need=COMMAND_VIEW),
    ("POST", "/command/directives"): Rule(
        201,
        lambda w, s: ("/command/directives", {"json": directive_payload(w, s)}),
        need=("command.issue",),
        scope="create",
    ),
    ("GET", "/command/directives/{directive_id}"): command_rule(
        200, "/command/directives/{directive}", COMMAND_VIEW, see="command.view"
    ),
    ("GET", "/command/directives/{directive_id}/board"): command_rule(
        200, "/command/directives/{directive}/board", COMMAND_VIEW, see="command.view"
    ),
    ("POST", "/command/directives/{directive_id}/withdraw"): command_rule(
        200, "/command/directives/{own}/withdraw", ("command.issue",), see="command.issue"
    ),
    # Every principal holds its role at the county, so the county's target is its own.
    ("POST", "/command/targets/{target_id}/acknowledge"): command_rule(
        200, "/command/targets/{target}/acknowledge", COMMAND_RESPOND, see="command.respond"
    ),
    ("POST", "/command/targets/{target_id}/report"): command_rule(
        200,
        "/command/targets/{target}/report",
        COMMAND_RESPOND,
        see="command.respond",
        body={"progress": 60, "note": "已排查六成"},
    ),
    ("POST", "/command/targets/{target_id}/complete"): command_rule(
        200,
        "/command/targets/{target}/complete",
        COMMAND_RESPOND,
        see="command.respond",
        body={"note": "排查完毕"},
    ),
    ("GET", "/command/sitreps"): command_rule(
        200, "/command/sitreps?region={region}", COMMAND_VIEW, see="command.view"
    ),
    ("POST", "/command/sitreps"): command_rule(
        201, "/command/sitreps", ("command.issue",), body={"region": "{region}", "date": "{date}"}
    ),
    ("GET", "/command/sitreps/{region}/{date}"): command_rule(
        200, "/command/sitreps/{region}/{date}", COMMAND_VIEW, see="command.view"
    ),
    ("GET", "/command/sitreps/{region}/{date}/pdf"): command_rule(
        200, "/command/sitreps/{region}/{date}/pdf", COMMAND_VIEW, see="command.view"
    ),
    # The province's response levels, read by whoever follows the reports.
    ("GET", "/command/response-levels"): Rule(
        200, lambda w, s: ("/command/response-levels", {}), need=("reports.view",)
    ),
    # Resumption. Statistics are of a region of the principal's jurisdiction.
    ("GET", "/resumption/summary"): resumption_rule(
        200, "/resumption/summary?region={region}", RESUMPTION_VIEW, see="resumption.view"
    ),
    ("GET", "/resumption/curve"): resumption_rule(
        200,
        "/resumption/curve?region={region}&start=2020-02-01&end=2020-02-07",
        RESUMPTION_VIEW,
        see="resumption.view",
    ),
    # The enterprises each principal sees: none at all is an empty page, not a refusal.
    ("GET", "/resumption/enterprises"): Rule(
        200,
        lambda w, s: (f"/resumption/enterprises?q={w.resumption[s]['enterprise'].name}", {}),
        scope="list",
        see=ENTERPRISE_SEERS,
    ),
    ("POST", "/resumption/enterprises"): Rule(
        201,
        lambda w, s: (
            "/resumption/enterprises",
            {
                "json": {
                    "credit_code": matrix_credit_code(w.region(s), 5),
                    "name": "新登记企业",
                    "industry": "manufacturing",
                    "region": w.region(s),
                    "workforce": 40,
                }
            },
        ),
        need=RESUMPTION_MANAGE,
        scope="create",
    ),
    ("POST", "/resumption/enterprises/import"): Rule(
        202,
        lambda w, s: ("/resumption/enterprises/import", enterprise_import_file(w, s)),
        need=RESUMPTION_MANAGE,
    ),
    ("GET", "/resumption/enterprises/{enterprise_id}"): resumption_rule(
        200, "/resumption/enterprises/{enterprise}", ENTERPRISE_SEERS, see=ENTERPRISE_SEERS
    ),
    ("PATCH", "/resumption/enterprises/{enterprise_id}"): resumption_rule(
        200,
        "/resumption/enterprises/{enterprise}",
        RESUMPTION_MANAGE,
        see="resumption.manage",
        body={"workforce": 120},
    ),
    # Parks take a region: outside the jurisdiction the list is empty.
    ("GET", "/resumption/parks"): Rule(
        200, lambda w, s: (f"/resumption/parks?region={w.region(s)}", {}), need=RESUMPTION_VIEW
    ),
    ("POST", "/resumption/parks"): resumption_rule(
        201, "/resumption/parks", RESUMPTION_MANAGE, body={"name": "新产业园", "region": "{region}"}
    ),
    ("POST", "/resumption/liaisons"): resumption_rule(
        201,
        "/resumption/liaisons",
        RESUMPTION_MANAGE,
        see="resumption.manage",
        body={"liaison_id": "{spare}", "enterprise_id": "{enterprise}"},
    ),
    ("POST", "/resumption/liaisons/{assignment_id}/end"): resumption_rule(
        200, "/resumption/liaisons/{assignment}/end", RESUMPTION_MANAGE, see="resumption.manage"
    ),
    # Only the liaison stationed there visits and checks the plan; the enterprise's accounts and
    # the officials who see it are refused.
    ("POST", "/resumption/enterprises/{enterprise_id}/visits"): resumption_rule(
        201,
        "/resumption/enterprises/{enterprise}/visits",
        ("resumption.liaise",),
        see=ENTERPRISE_SEERS,
        body={"notes": "检查测温点和隔离室"},
    ),
    ("PUT", "/resumption/enterprises/{enterprise_id}/plan"): resumption_rule(
        200,
        "/resumption/enterprises/{enterprise}/plan",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={"items": list(PlanItem.values), "notes": "全部落实"},
    ),
    ("POST", "/resumption/enterprises/{enterprise_id}/plan/check"): resumption_rule(
        200, "/resumption/enterprises/{enterprise}/plan/check", ("resumption.liaise",), see=ENTERPRISE_SEERS
    ),
    ("POST", "/resumption/enterprises/{enterprise_id}/employees"): Rule(
        201,
        lambda w, s: (
            f"/resumption/enterprises/{w.resumption[s]['enterprise'].pk}/employees",
            {"json": person_payload(w, s)},
        ),
        need=FOR_ENTERPRISE,
        any_of=True,
        scope="object",
        see=ENTERPRISE_SEERS,
        hidden=True,
    ),
    ("POST", "/resumption/enterprises/{enterprise_id}/health-reports"): resumption_rule(
        201,
        "/resumption/enterprises/{enterprise}/health-reports",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={
            "date": "{today}",
            "lines": [{"employee_id": "{employee}", "temperature": "36.5", "on_site": True}],
        },
    ),
    ("GET", "/resumption/enterprises/{enterprise_id}/health-reports"): resumption_rule(
        200, "/resumption/enterprises/{enterprise}/health-reports", ENTERPRISE_SEERS, see=ENTERPRISE_SEERS
    ),
    ("POST", "/resumption/enterprises/{enterprise_id}/applications"): resumption_rule(
        201,
        "/resumption/enterprises/{applicant}/applications",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={"planned_date": "{today}", "workforce_planned": 30},
    ),
    # Applications take no region: each principal reads those of the enterprises it sees
    # (secrets_of checks that the other county's stay out).
    ("GET", "/resumption/applications"): Rule(
        200, lambda w, s: ("/resumption/applications?status=submitted", {})
    ),
    ("POST", "/resumption/applications/{application_id}/decide"): resumption_rule(
        200,
        "/resumption/applications/{application}/decide",
        RESUMPTION_MANAGE,
        see="resumption.manage",
        body={"approve": True},
    ),
    # The day's resumption is reported by the enterprise's side or by an official managing it.
    ("POST", "/resumption/enterprises/{enterprise_id}/days"): resumption_rule(
        200,
        "/resumption/enterprises/{enterprise}/days",
        (*FOR_ENTERPRISE, "resumption.manage"),
        see=ENTERPRISE_SEERS,
        body={"date": "{today}", "status": "not_resumed", "returned": 0},
    ),
    ("GET", "/resumption/tickets"): Rule(
        200,
        lambda w, s: (
            f"/resumption/tickets?status=open&enterprise_id={w.resumption[s]['enterprise'].pk}",
            {},
        ),
        scope="list",
        see=ENTERPRISE_SEERS,
    ),
    ("POST", "/resumption/tickets"): resumption_rule(
        201,
        "/resumption/tickets",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={
            "enterprise_id": "{enterprise}",
            "category": "materials",
            "priority": "high",
            "title": "原材料断供",
            "description": "上游供应商未复工。",
        },
    ),
    ("GET", "/resumption/tickets/stats"): resumption_rule(
        200, "/resumption/tickets/stats?region={region}", RESUMPTION_VIEW, see="resumption.view"
    ),
    ("GET", "/resumption/tickets/{ticket_id}"): resumption_rule(
        200, "/resumption/tickets/{open}", ENTERPRISE_SEERS, see=ENTERPRISE_SEERS
    ),
    ("POST", "/resumption/tickets/{ticket_id}/note"): resumption_rule(
        200, "/resumption/tickets/{open}/note", ON_TICKET, see=ENTERPRISE_SEERS, body={"note": "已联系供应商"}
    ),
    # The handler's steps: whoever sees the ticket but does not handle it at its level is told so.
    ("POST", "/resumption/tickets/{ticket_id}/wait"): resumption_rule(
        200,
        "/resumption/tickets/{open}/wait",
        RESUMPTION_MANAGE,
        see=ENTERPRISE_SEERS,
        body={"note": "请企业补充材料"},
        code="ticket.not_handler",
    ),
    ("POST", "/resumption/tickets/{ticket_id}/escalate"): resumption_rule(
        200,
        "/resumption/tickets/{open}/escalate",
        RESUMPTION_MANAGE,
        see=ENTERPRISE_SEERS,
        body={"note": "需市级协调"},
        code="ticket.not_handler",
    ),
    ("POST", "/resumption/tickets/{ticket_id}/resolve"): resumption_rule(
        200,
        "/resumption/tickets/{open}/resolve",
        RESUMPTION_MANAGE,
        see=ENTERPRISE_SEERS,
        body={"resolution": "已协调替代供应商"},
        code="ticket.not_handler",
    ),
    ("POST", "/resumption/tickets/{ticket_id}/resume"): resumption_rule(
        200,
        "/resumption/tickets/{waiting}/resume",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={"note": "材料已补"},
    ),
    ("POST", "/resumption/tickets/{ticket_id}/reopen"): resumption_rule(
        200,
        "/resumption/tickets/{resolved}/reopen",
        ON_TICKET,
        see=ENTERPRISE_SEERS,
        body={"note": "问题复现"},
    ),
    ("POST", "/resumption/tickets/{ticket_id}/close"): resumption_rule(
        200,
        "/resumption/tickets/{resolved}/close",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={"satisfaction": 5},
    ),
    # Policies are read by every resumption role of a region and those below it.
    ("GET", "/resumption/policies"): Rule(
        200,
        lambda w, s: (f"/resumption/policies?q={w.resumption[s]['policy'].title}", {}),
        scope="list",
        see=POLICY_READERS,
    ),
    ("POST", "/resumption/policies"): resumption_rule(
        201,
        "/resumption/policies",
        RESUMPTION_POLICIES,
        body={
            "code": "matrix-new-{region}",
            "title": "新政策",
            "kind": "tax",
            "summary": "减免增值税。",
            "issuer": "{region}",
            "valid_from": "2020-02-01",
        },
    ),
    ("GET", "/resumption/policies/{policy_id}"): resumption_rule(
        200, "/resumption/policies/{policy}", POLICY_READERS, see=POLICY_READERS
    ),
    ("PATCH", "/resumption/policies/{policy_id}"): resumption_rule(
        200,
        "/resumption/policies/{policy}",
        RESUMPTION_POLICIES,
        see="resumption.policies",
        body={"summary": "延长至六月。"},
    ),
    ("GET", "/resumption/enterprises/{enterprise_id}/policy-matches"): resumption_rule(
        200, "/resumption/enterprises/{enterprise}/policy-matches", ENTERPRISE_SEERS, see=ENTERPRISE_SEERS
    ),
    ("POST", "/resumption/policy-applications"): resumption_rule(
        201,
        "/resumption/policy-applications",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
        body={"enterprise_id": "{enterprise}", "policy_id": "{fresh_policy}"},
    ),
    ("GET", "/resumption/policy-applications"): Rule(
        200,
        lambda w, s: (
            f"/resumption/policy-applications?enterprise_id={w.resumption[s]['enterprise'].pk}",
            {},
        ),
        scope="list",
        see=ENTERPRISE_SEERS,
    ),
    ("POST", "/resumption/policy-applications/{application_id}/decide"): resumption_rule(
        200,
        "/resumption/policy-applications/{policy_application}/decide",
        RESUMPTION_POLICIES,
        see="resumption.policies",
        body={"grant": True},
    ),
    ("POST", "/resumption/policy-applications/{application_id}/withdraw"): resumption_rule(
        200,
        "/resumption/policy-applications/{policy_application}/withdraw",
        FOR_ENTERPRISE,
        see=ENTERPRISE_SEERS,
    ),
    # The official working calendar is reference data for every signed-in user.
    ("GET", "/resumption/calendar"): Rule(200, lambda w, s: ("/resumption/calendar?year=2020", {})),
    # Volunteers. The registry and its figures are the jurisdiction's.
    ("GET", "/volunteers"): Rule(
        200,
        lambda w, s: (f"/volunteers?q={w.volunteers[s]['volunteer'].organisation}", {}),
        need=VOLUNTEERS_VIEW,
        scope="list",
    ),
    ("POST", "/volunteers"): Rule(
        201, lambda w, s: ("/volunteers", {"json": new_volunteer(w, s)}), need=COORDINATE, scope="create"
    ),
    # The resident principal is the scope "in" volunteer already: registering again is a conflict.
    ("POST", "/volunteers/me"): volunteer_rule(
        409, "/volunteers/me", SERVE, body={"region": "{township}", "skills": ["driving"]}
    ),
    ("GET", "/volunteers/me"): Rule(200, lambda w, s: ("/volunteers/me", {}), need=SERVE),
    ("POST", "/volunteers/me/qualification"): Rule(
        200,
        lambda w, s: (
            "/volunteers/me/qualification",
            {"json": {"qualification": "counsellor_3", "number": "C-2"}},
        ),
        need=SERVE,
    ),
    ("GET", "/volunteers/me/certificates"): Rule(
        200, lambda w, s: ("/volunteers/me/certificates", {}), need=SERVE
    ),
    ("GET", "/volunteers/{volunteer_id}"): volunteer_rule(
        200, "/volunteers/{volunteer}", VOLUNTEER_READERS, see=VOLUNTEER_READERS
    ),
    # A profile is changed by its coordinator or by the volunteer; to a reader it does not exist.
    ("PATCH", "/volunteers/{volunteer_id}"): volunteer_rule(
        200,
        "/volunteers/{volunteer}",
        (*COORDINATE, *SERVE),
        see=(*COORDINATE, *SERVE),
        body={"organisation": "识字里志愿服务队"},
    ),
    # The volunteer is on duty, so the coordinator cannot retire them (nothing changes).
    ("POST", "/volunteers/{volunteer_id}/deactivate"): volunteer_rule(
        409, "/volunteers/{volunteer}/deactivate", COORDINATE, see="volunteers.coordinate"
    ),
    ("POST", "/volunteers/{volunteer_id}/qualification/verify"): volunteer_rule(
        200,
        "/volunteers/{volunteer}/qualification/verify",
        COORDINATE,
        see="volunteers.coordinate",
        body={"approve": True},
    ),
    ("POST", "/volunteers/{volunteer_id}/certificates"): volunteer_rule(
        201, "/volunteers/{volunteer}/certificates", COORDINATE, see="volunteers.coordinate"
    ),
    # Missions are read by the officials of their region and the volunteers whose line they are on.
    ("GET", "/volunteers/missions"): Rule(
        200,
        lambda w, s: (f"/volunteers/missions?region={TOWNSHIP[w.region(s)]}&kind=errands", {}),
        scope="list",
        see=VOLUNTEER_READERS,
    ),
    ("POST", "/volunteers/missions"): volunteer_rule(
        201,
        "/volunteers/missions",
        COORDINATE,
        body={
            "kind": "delivery",
            "title": "送菜上门",
            "region": "{township}",
            "starts_at": "{rota_start}",
            "ends_at": "{rota_end}",
            "slots": 2,
        },
    ),
    ("GET", "/volunteers/missions/{mission_id}"): volunteer_rule(
        200, "/volunteers/missions/{fresh}", VOLUNTEER_READERS, see=VOLUNTEER_READERS
    ),
    ("POST", "/volunteers/missions/{mission_id}/close"): volunteer_rule(
        200, "/volunteers/missions/{fresh}/close", COORDINATE, see="volunteers.coordinate"
    ),
    ("POST", "/volunteers/missions/{mission_id}/cancel"): volunteer_rule(
        200, "/volunteers/missions/{fresh}/cancel", COORDINATE, see="volunteers.coordinate"
    ),
    ("POST", "/volunteers/missions/{mission_id}/signups"): volunteer_rule(
        201, "/volunteers/missions/{fresh}/signups", SERVE, see="volunteers.serve"
    ),
    ("POST", "/volunteers/signups/{signup_id}/decide"): volunteer_rule(
        200,
        "/volunteers/signups/{pending}/decide",
        COORDINATE,
        see="volunteers.coordinate",
        body={"assign": True},
    ),
    ("POST", "/volunteers/signups/{signup_id}/withdraw"): volunteer_rule(
        200, "/volunteers/signups/{pending}/withdraw", SERVE, see="volunteers.serve"
    ),
    # One open duty per volunteer: the resident principal is on duty already (the check-out below).
    ("POST", "/volunteers/signups/{signup_id}/check-in"): volunteer_rule(
        201,
        "/volunteers/signups/{served}/check-in",
        SERVE,
        see="volunteers.serve",
        body={},
        exceptions={(Role.RESIDENT, "in"): (409, "hours.already_on_duty")},
    ),
    ("POST", "/volunteers/hours/{record_id}/check-out"): volunteer_rule(
        200, "/volunteers/hours/{on_duty}/check-out", SERVE, see="volunteers.serve", body={}
    ),
    ("POST", "/volunteers/hours"): volunteer_rule(
        201,
        "/volunteers/hours",
        COORDINATE,
        body={"signup_id": "{served}", "check_in_at": "{log_in}", "check_out_at": "{log_out}"},
    ),
    ("POST", "/volunteers/hours/{record_id}/decide"): volunteer_rule(
        200,
        "/volunteers/hours/{logged}/decide",
        COORDINATE,
        see="volunteers.coordinate",
        body={"approve": True},
    ),
    # Hours take no region: each principal reads those of its jurisdiction, a volunteer its own.
    ("GET", "/volunteers/hours"): Rule(200, lambda w, s: ("/volunteers/hours?status=pending", {})),
    # Anyone checks a certificate by its serial: it shows the volunteer's masked name only.
    ("GET", "/volunteers/certificates/{serial}"): Rule(
        200,
        lambda w, s: (f"/volunteers/certificates/{w.volunteers[s]['certificate'].serial}", {}),
        need=PUBLIC,
    ),
    ("GET", "/volunteers/certificates/{serial}/pdf"): volunteer_rule(
        200, "/volunteers/certificates/{serial}/pdf", VOLUNTEER_READERS, see=VOLUNTEER_READERS
    ),
    ("GET", "/volunteers/shifts"): Rule(
        200,
        lambda w, s: (f"/volunteers/shifts?region={w.region(s)}&end={volunteer_names(w, s)['soon']}", {}),
        scope="list",
        see=VOLUNTEER_READERS,
    ),
    ("POST", "/volunteers/shifts"): volunteer_rule(
        201,
        "/volunteers/shifts",
        COORDINATE,
        body={
            "counsellor_id": "{volunteer}",
            "line": "心理援助热线",
            "region": "{region}",
            "starts_at": "{rota_start}",
            "ends_at": "{rota_end}",
        },
    ),
    ("POST", "/volunteers/shifts/{shift_id}/cancel"): volunteer_rule(
        204, "/volunteers/shifts/{later}/cancel", COORDINATE, see="volunteers.coordinate"
    ),
    # Only the counsellor on the shift logs its calls.
    ("POST", "/volunteers/shifts/{shift_id}/sessions"): volunteer_rule(
        201,
        "/volunteers/shifts/{shift}/sessions",
        SERVE,
        see="volunteers.serve",
        body={"started_at": "{since}", "minutes": 20, "caller_group": "observed", "topic": "anxiety"},
    ),
    ("GET", "/volunteers/sessions"): Rule(
        200,
        lambda w, s: (f"/volunteers/sessions?region={w.region(s)}", {}),
        scope="list",
        see=VOLUNTEER_READERS,
    ),
    ("GET", "/volunteers/coverage"): volunteer_rule(
        200,
        "/volunteers/coverage?region={region}&start={week_start}&end={week_end}",
        VOLUNTEERS_VIEW,
        see="volunteers.view",
    ),
    ("GET", "/volunteers/stats"): volunteer_rule(
        200, "/volunteers/stats?region={region}", VOLUNTEERS_VIEW, see="volunteers.view"
    ),
    # Anyone searches the open posts and reads one, signed in or not.
    ("GET", "/employment/jobs"): Rule(
        200, lambda w, s: (f"/employment/jobs?q=电工&region={w.region(s)}", {}), need=PUBLIC
    ),
    ("GET", "/employment/jobs/{job_id}"): Rule(
        200, lambda w, s: (f"/employment/jobs/{w.employment[s]['post'].pk}", {}), need=PUBLIC
    ),
    ("GET", "/employment/occupations"): Rule(200, lambda w, s: ("/employment/occupations", {}), need=PUBLIC),
    ("POST", "/employment/jobs"): employment_rule(
        201, lambda w, s: ("/employment/jobs", job_payload(w, s)), "create"
    ),
    ("POST", "/employment/jobs/{job_id}/close"): employment_rule(
        200, lambda w, s: (f"/employment/jobs/{w.employment[s]['post'].pk}/close", {}), "object"
    ),
    # A resident keeps their own seeker profile (the resident principal is the scope "in" volunteer,
    # who has one) and applies to any open post, wherever it is.
    ("PUT", "/employment/seeker"): job_rule(
        200,
        "/employment/seeker",
        SEEK,
        body={
            "region": "{village}",
            "available_from": "{today}",
            "occupation": "6-31-01-03",
            "skills": "电工证",
        },
    ),
    ("GET", "/employment/seeker"): job_rule(200, "/employment/seeker", SEEK),
    ("GET", "/employment/seeker/recommendations"): job_rule(200, "/employment/seeker/recommendations", SEEK),
    ("POST", "/employment/jobs/{job_id}/apply"): job_rule(
        201, "/employment/jobs/{post}/apply", SEEK, body={"note": "可随时到岗"}
    ),
    ("GET", "/employment/applications"): job_rule(200, "/employment/applications", SEEK),
    # Only the seeker withdraws: another's application is not found.
    ("POST", "/employment/applications/{application_id}/withdraw"): job_rule(
        200, "/employment/applications/{application}/withdraw", SEEK, see=SEEK
    ),
    ("GET", "/employment/jobs/{job_id}/applications"): job_rule(
        200, "/employment/jobs/{pipeline}/applications", HIRING_READERS, see=HIRING_READERS
    ),
    ("POST", "/employment/applications/{application_id}/stage"): job_rule(
        200, "/employment/applications/{application}/stage", POSTING, see=POSTING, body={"stage": "interview"}
    ),
    ("GET", "/employment/jobs/{job_id}/recommendations"): job_rule(
        200, "/employment/jobs/{post}/recommendations", HIRING_READERS, see=HIRING_READERS
    ),
    ("GET", "/employment/hires"): job_rule(
        200,
        "/employment/hires?since={since}&until={today}&employer={employer}",
        EMPLOYER_READERS,
        see=EMPLOYER_READERS,
    ),
    # An employer login registers a business where its role is held, an official one of their area;
    # elsewhere the region is not found, as for places, enterprises and hospitals.
    ("POST", "/employment/employers"): job_rule(
        201,
        "/employment/employers",
        POSTING,
        body={"name": "新登记用工单位", "region": "{village}"},
        scope="create",
        outside=(404, "region.not_found"),
    ),
    # Employers take no region: each principal reads its own or its area's (secrets_of checks that
    # the other county's stay out).
    ("GET", "/employment/employers"): job_rule(200, "/employment/employers", EMPLOYER_READERS),
    ("GET", "/employment/employers/mine"): job_rule(200, "/employment/employers/mine", ("employment.post",)),
    # Vouchers. Anyone reads the published programmes, signed in or not.
    ("GET", "/vouchers/programs"): Rule(
        200, lambda w, s: (f"/vouchers/programs?region={w.region(s)}", {}), need=PUBLIC
    ),
    ("GET", "/vouchers/programs/{program_id}"): Rule(
        200, lambda w, s: (f"/vouchers/programs/{w.vouchers[s]['open'].pk}", {}), need=PUBLIC
    ),
    ("POST", "/vouchers/programs"): Rule(
        201, lambda w, s: ("/vouchers/programs", program_payload(w, s)), need=VOUCHERS_MANAGE, scope="create"
    ),
    ("POST", "/vouchers/programs/{program_id}/publish"): voucher_rule(
        200, "/vouchers/programs/{listed}/publish", VOUCHERS_MANAGE, see=VOUCHERS_MANAGE
    ),
    ("POST", "/vouchers/programs/{program_id}/close"): voucher_rule(
        200, "/vouchers/programs/{open}/close", VOUCHERS_MANAGE, see=VOUCHERS_MANAGE
    ),
    ("POST", "/vouchers/programs/{program_id}/eligibility"): voucher_rule(
        200,
        "/vouchers/programs/{listed}/eligibility",
        VOUCHERS_MANAGE,
        see=VOUCHERS_MANAGE,
        body={"group": "employee", "id_numbers": ["{id_number}"]},
    ),
    # A resident claims and enters the lotteries of any programme; one of a region they do not live
    # in raises a fraud flag for its officials rather than a refusal.
    ("POST", "/vouchers/programs/{program_id}/claim"): voucher_rule(
        201, "/vouchers/programs/{open}/claim", CLAIM
    ),
    ("POST", "/vouchers/programs/{program_id}/lottery/enter"): voucher_rule(
        201, "/vouchers/programs/{lottery}/lottery/enter", CLAIM
    ),
    ("POST", "/vouchers/programs/{program_id}/lottery/draw"): voucher_rule(
        200, "/vouchers/programs/{ended}/lottery/draw", VOUCHERS_MANAGE, see=VOUCHERS_MANAGE, body={"seed": 7}
    ),
    ("GET", "/vouchers/programs/{program_id}/stats"): voucher_rule(
        200, "/vouchers/programs/{open}/stats", VOUCHERS_VIEW, see=VOUCHERS_VIEW
    ),
    ("GET", "/vouchers/stats"): voucher_rule(
        200, "/vouchers/stats?region={region}", VOUCHERS_VIEW, see=VOUCHERS_VIEW
    ),
    ("GET", "/vouchers/mine"): voucher_rule(200, "/vouchers/mine", CLAIM),
    # Officials list the merchants of the region asked for; a merchant login its own shops there.
    ("GET", "/vouchers/merchants"): voucher_rule(
        200,
        "/vouchers/merchants?region={region}",
        MERCHANT_READERS,
        scope="list",
        see=MERCHANT_READERS,
    ),
    # A merchant login registers its shop in its region (awaiting review), an official one of their
    # area (approved); elsewhere the region is not found, as for places, enterprises and hospitals.
    ("POST", "/vouchers/merchants"): voucher_rule(
        201,
        "/vouchers/merchants",
        FOR_MERCHANT,
        body={"name": "新登记商户", "category": "retail", "region": "{village}"},
        scope="create",
        outside=(404, "region.not_found"),
    ),
    ("GET", "/vouchers/merchants/{merchant_id}"): voucher_rule(
        200, "/vouchers/merchants/{merchant}", MERCHANT_READERS, see=MERCHANT_READERS
    ),
    ("POST", "/vouchers/merchants/{merchant_id}/review"): voucher_rule(
        200,
        "/vouchers/merchants/{merchant}/review",
        VOUCHERS_MANAGE,
        see=VOUCHERS_MANAGE,
        body={"decision": "suspend", "note": "核查经营资质"},
    ),
    # Only the merchant's own accounts redeem at it.
    ("POST", "/vouchers/redemptions"): voucher_rule(
        201,
        "/vouchers/redemptions",
        MERCHANT,
        see=MERCHANT,
        body={
            "merchant_id": "{merchant}",
            "code": "{code}",
            "order_no": "{order_no}",
            "order_amount_fen": 6000,
        },
    ),
    ("GET", "/vouchers/redemptions"): voucher_rule(
        200, "/vouchers/redemptions?merchant={merchant}", MERCHANT_READERS, see=MERCHANT_READERS
    ),
    ("POST", "/vouchers/redemptions/{redemption_id}/refund"): voucher_rule(
        200, "/vouchers/redemptions/{due}/refund", FOR_MERCHANT, see=FOR_MERCHANT
    ),
    ("GET", "/vouchers/settlements"): voucher_rule(
        200, "/vouchers/settlements?merchant={merchant}", MERCHANT_READERS, see=MERCHANT_READERS
    ),
    # The run and the flags take no region: each official settles and reads its own jurisdiction's
    # (secrets_of checks that the other county's stay out).
    ("POST", "/vouchers/settlements/run"): voucher_rule(200, "/vouchers/settlements/run", VOUCHERS_MANAGE),
    ("GET", "/vouchers/flags"): voucher_rule(200, "/vouchers/flags", VOUCHERS_MANAGE),
    ("POST", "/vouchers/flags/{flag_id}/review"): voucher_rule(
        200, "/vouchers/flags/{flag}/review", VOUCHERS_MANAGE, see=VOUCHERS_MANAGE, body={"decision": "clear"}
    ),
}


@pytest.mark.parametrize("action", ["acknowledge", "report", "complete"])
@pytest.mark.parametrize("principal", sorted(r for r in Role.values if "command.respond" in CAPABILITIES[r]))
@pytest.mark.parametrize("scope", SCOPES)
def test_a_target_below_the_principal_is_not_addressed_to_it(api_client, world, principal, scope, action):
    """Only the region a target is at acts on it: the county's principal is refused its village's
    target (403), and the other county's is not found."""
    state = world(principal)
    target = state.command[scope]["village_target"]
    body = {"progress": 60, "note": "已排查六成"} if action == "report" else {}
    before = snapshot()

    response = api_client.post(f"/command/targets/{target.pk}/{action}", json=body, headers=state.headers)

    expected = (403, "directive.not_addressed_to_you") if scope == "in" else (404, "target.not_found")
    assert (response.status_code, response.json()["code"]) == expected
    assert snapshot() == before


def api_routes() -> set[tuple[str, str]]:
    from fangyi.api import api

    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path.removeprefix(API_PREFIX)) for path, ops in paths.items() for method in ops}


def test_every_route_is_in_the_matrix():
    routes = api_routes()
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"add these routes to MATRIX in tests/test_permissions.py: {missing}"
    assert not stale, f"these MATRIX entries name no route: {stale}"


def test_public_routes_are_exactly_the_documented_ones():
    from fangyi.api import api

    paths = api.get_openapi_schema()["paths"]
    public = {
        (method.upper(), path.removeprefix(API_PREFIX))
        for path, ops in paths.items()
        for method, op in ops.items()
        if not op.get("security")
    }
    assert public == {key for key, rule in MATRIX.items() if rule.need == PUBLIC}


def capabilities(principal: str) -> frozenset[str]:
    return CAPABILITIES.get(principal, frozenset())  # type: ignore[call-overload]


def expected_error(rule: Rule, principal: str, scope: str) -> tuple[int, str]:
    """The status a principal gets and, for a 403, its error code."""
    if (principal, scope) in rule.exceptions:
        return rule.exceptions[(principal, scope)]
    status = expected_status(rule, principal, scope)
    if rule.outside is not None and scope == "out" and expected_status(rule, principal, "in") == rule.ok:
        return status, rule.outside[1]
    return status, rule.code


def expected_status(rule: Rule, principal: str, scope: str) -> int:
    if rule.need == PUBLIC:
        return rule.ok
    if principal == ANONYMOUS:
        return 401
    if rule.need is None:
        return rule.ok
    held = capabilities(principal)
    sees = sees_object(rule, principal)
    if scope == "out" and rule.scope == "object" and rule.see is not None and sees:
        return 404
    if rule.hidden and not sees:
        return 404
    lacking = not set(rule.need) & held if rule.any_of else not set(rule.need) <= held
    if lacking:
        return rule.denied
    if scope == "out" and rule.scope in ("object", "create"):
        return rule.outside[0] if rule.outside is not None else 404
    return rule.ok


def sees_object(rule: Rule, principal: str) -> bool:
    """Whether the principal holds a capability of `rule.see` (anyone, for a rule without)."""
    if rule.see is None:
        return True
    see = {rule.see} if isinstance(rule.see, str) else set(rule.see)
    return bool(see & capabilities(principal))


def test_the_role_table_gives_sensitive_capabilities_to_officials_only():
    """Pins the parts of roles.py the matrix relies on, so a change to it is deliberate."""

    def holders(capability):
        return {role for role in Role.values if capability in capabilities(role)}

    assert holders("people.reveal") == {"provincial_command", "prefecture_official", "county_official"}
    assert holders("people.manage") == {
        "prefecture_official",
        "county_official",
        "township_official",
        "grid_worker",
    }
    assert holders("places.manage") == {
        "provincial_command",
        "prefecture_official",
        "county_official",
        "township_official",
    }
    assert holders("people.view") == {
        "provincial_command",
        "prefecture_official",
        "county_official",
        "township_official",
        "grid_worker",
        "clinic_staff",
        "lab_staff",
        "hospital_staff",
    }
    assert holders("labs.referrals") == {
        "provincial_command",
        "prefecture_official",
        "county_official",
        "clinic_staff",
    }
    assert holders("labs.results") == {"clinic_staff", "lab_staff", "hospital_staff"}
    assert holders("labs.clinic") == {"clinic_staff"}
    officials = {"provincial_command", "prefecture_official", "county_official"}
    assert holders("labs.manage") == holders("hospitals.manage") == officials
    assert holders("hospitals.treat") == {"hospital_staff"}
    assert holders("hospitals.consult") == {"expert"}
    assert holders("supplies.manage") == {"provincial_command", "supply_officer"}
    assert holders("supplies.donations") == {"supply_officer"}
    assert holders("command.issue") == officials | {"township_official"}
    assert holders("command.respond") == {
        "prefecture_official",
        "county_official",
        "township_official",
        "grid_worker",
    }
    assert all(capabilities(role) for role in Role.values)
    assert holders("resumption.manage") == holders("resumption.policies") == officials
    assert holders("resumption.liaise") == {"enterprise_liaison"}
    assert holders("resumption.enterprise") == {"employer"}
    assert holders("employment.post") == {"employer"}
    assert holders("employment.seek") == holders("vouchers.claim") == {"resident"}
    assert holders("vouchers.manage") == officials
    assert holders("vouchers.merchant") == {"merchant"}
    assert holders("volunteers.coordinate") == {"township_official", "volunteer_coordinator"}
    assert holders("volunteers.serve") == {"resident"}
    assert holders("screening.run") == {"provincial_command", "prefecture_official", "county_official"}
    assert holders("screening.verify") == {
        "provincial_command",
        "prefecture_official",
        "county_official",
        "township_official",
        "grid_worker",
    }
    assert holders("quarantine.trace") == {
        "provincial_command",
        "prefecture_official",
        "county_official",
        "clinic_staff",
    }
    assert capabilities("resident") == {
        "healthpass.own_code",
        "quarantine.own_checkin",
        "volunteers.serve",
        "vouchers.claim",
        "employment.seek",
    }


def surveillance_objects(person: Person, region: str, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """A suspected case, two confirmed cases linked in a cluster, two confirmed cases in none, and a
    resident without a case.

    The patients are registered in a third county (岳麓区) so that the people routes still find one
    resident per scope; the resident without a case is the scope's `person`.
    """
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]

    def report(name: str) -> Case:
        patient = person_register(
            actor=None, name=name, id_number=new_id_number("430104"), home_region=elsewhere.code
        )
        return surveillance.case_report(
            actor=None,
            person_id=patient.pk,
            classification="suspected",
            report_date=dt.date(2020, 1, 22),
            residence=VILLAGE[region],
            reporting_unit="发热门诊",
            refresh=False,
        )

    found: dict[str, Any] = {"suspected": report(f"{NAME[region]}疑似")}
    for key in ("confirmed", "confirmed2", "unlinked", "unlinked2"):
        case = report(f"{NAME[region]}{key}")
        found[key] = surveillance.case_confirm(
            actor=None, case_id=case.pk, date=dt.date(2020, 1, 22), method="nucleic_acid", refresh=False
        )
    found["cluster"] = surveillance.cluster_create(
        actor=None,
        name=f"{PLACE[region]}聚集",
        setting="family",
        region=VILLAGE[region],
        case_ids=[found["confirmed"].pk, found["confirmed2"].pk],
    )
    found["free_person"] = person
    return found


def labs_objects(person: Person, place: Place, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """An open referral raised at the scope's gate, of a resident of a third county (岳麓区), so it
    is the gate's county that follows it up; and a test result of the scope's resident."""
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]
    stopped = person_register(
        actor=None, name=f"{place.name}发热者", id_number=new_id_number("430104"), home_region=elsewhere.code
    )
    referral = labs.referral_open(
        actor=None, person_id=stopped.pk, source="gate", reason="卡口测温异常", place_id=place.pk
    )
    lab = _user_with_role("matrix-lab-fixture", Role.LAB_STAFF, "43")
    result = labs.result_report(
        actor=lab, person_id=person.pk, result="negative", sampled_on=dt.date(2020, 1, 24), lab="湘雅"
    )
    return {"referral": referral, "stopped": stopped, "result": result}


def healthpass_objects(person: Person, region: str) -> dict[str, Any]:
    """The scope's resident declares an arrival from Hubei (yellow) and appeals; one official asks
    for two overrides and another approves the second."""
    login = User.objects.create(username=f"matrix-resident-{region}")
    person.user = login
    person.save(update_fields=["user"])
    declaration = healthpass.declaration_submit(
        actor=login,
        temperature="36.5",
        travelled=True,
        origin="湖北省武汉市",
        arrival_date=clock.today() - dt.timedelta(days=1),
    )
    appeal = healthpass.appeal_file(actor=login, text="我已在外地完成隔离")
    first, second = (User.objects.create(username=f"matrix-hp-{n}-{region}") for n in (1, 2))
    for official in (first, second):
        RoleAssignment.objects.create(user=official, role=Role.COUNTY_OFFICIAL, region_id=region)
    pending = healthpass.override_request(actor=first, person_id=person.pk, colour="red", reason="待核实")
    active = healthpass.override_request(actor=first, person_id=person.pk, colour="yellow", reason="居家观察")
    healthpass.override_approve(actor=second, override_id=active.pk)
    return {"declaration": declaration, "appeal": appeal, "pending": pending, "active": active}


SCREENING_NOON = dt.datetime(2020, 1, 31, 4, tzinfo=dt.UTC)  # 12:00 in Shanghai
OBSERVED_ON = dt.date(2020, 2, 10)


def _user_with_role(username: str, role: str, region: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        RoleAssignment.objects.create(user=user, role=role, region_id=region)
    return user


def screening_objects(region: str, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """On 2020-01-31 the province lists a risk area, imports a travel record of a resident of the
    scope's county seen there on 2020-01-20, and screens the county (on DuckDB, here and now): the
    returnee is its one hit, with an open grid task."""
    province = _user_with_role("matrix-province", Role.PROVINCIAL_COMMAND, "43")
    area_code, area_name, district = RISK_AREA[region]
    number = new_id_number(region, "19900303")
    with clock.frozen_at(SCREENING_NOON):
        area = screening.risk_area_create(
            actor=province, area_code=area_code, name=area_name, starts_on=dt.date(2020, 1, 10)
        )
        returnee = person_register(
            actor=None, name=f"{NAME[region]}返乡", id_number=number, home_region=NEIGHBOURHOOD[region]
        )
        content = f"id_number,area_code,at,source\n{number},{district},2020-01-20 08:30,rail\n"
        job = screening.travel_import_job(file_name="travel.csv", data=content.encode())
        imported = screening.travel_import_run(job_id=job.pk)
        assert imported is not None and imported.result["imported"] == 1, imported and imported.result
        run = screening.screening_run_create(actor=None, region=region, backend="duckdb")
        run = screening.screening_run_execute(run_id=run.pk)
    task = GridTask.objects.get(run=run)
    return {"risk_area": area, "returnee": returnee, "run": run, "task": task}


def quarantine_objects(region: str, case: Case, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """On 2020-02-10 a resident of the scope's county, exposed the day before, is placed under home
    observation, checks in that morning and misses the afternoon (an open alert); they are then
    traced as a close contact of the scope's confirmed case (an exposure long before, so the period
    stays as it is). A negative test sampled two days before the due date lets the period be
    released now. And a hotel for centralised observation."""
    official = _user_with_role(f"matrix-q-{region}", Role.COUNTY_OFFICIAL, region)
    observed = person_register(
        actor=None,
        name=f"{NAME[region]}观察",
        id_number=new_id_number(region, "19950505"),
        home_region=NEIGHBOURHOOD[region],
    )
    morning = dt.datetime.combine(OBSERVED_ON, dt.time(9, 30), tzinfo=clock.SHANGHAI)
    with clock.frozen_at(morning):
        period = quarantine.observation_start(
            actor=official,
            person_id=observed.pk,
            kind="home",
            source="gate",
            last_exposure_on=OBSERVED_ON - dt.timedelta(days=1),
        )
        checkin = quarantine.checkin_record(actor=official, period_id=period.pk, temperature="36.6")
        contact = quarantine.contact_register(
            actor=official,
            case_id=case.pk,
            person_id=observed.pk,
            contact_type="shared_meal",
            last_contact_on=dt.date(2020, 1, 21),
        )
        site = quarantine.site_create(
            actor=official, name=SITE[region], kind="hotel", region=region, address="", rooms=20
        )
    evening = dt.datetime.combine(OBSERVED_ON, dt.time(20, 30), tzinfo=clock.SHANGHAI)
    quarantine.alerts_raise_missed(now=evening)
    alert = Alert.objects.get(period=period)
    lab = _user_with_role("matrix-lab-fixture", Role.LAB_STAFF, "43")
    labs.result_report(
        actor=lab,
        person_id=observed.pk,
        result="negative",
        sampled_on=period.due_on - dt.timedelta(days=2),
        lab="湘雅",
    )
    return {
        "observed": observed,
        "period": period,
        "checkin": checkin,
        "contact": contact,
        "site": site,
        "alert": alert,
    }


def labs_testing_objects(region: str, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """A fever clinic and a lab (capacity set) in the scope's county; a visitor from a third county
    triaged there, whose swabs are: collected (after the visit), waiting for a pool, shipped to the
    lab, received by it; and a pool found positive, so its member has an open re-test task."""
    clinic_staff = _user_with_role("matrix-clinic-fixture", Role.CLINIC_STAFF, "43")
    lab_staff = _user_with_role("matrix-lab-fixture", Role.LAB_STAFF, "43")
    province = _user_with_role("matrix-province", Role.PROVINCIAL_COMMAND, "43")
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]
    clinic = Place.objects.create(name=CLINIC[region], kind="fever_clinic", region_id=VILLAGE[region])
    place = Place.objects.create(name=LAB[region], kind="lab", region_id=VILLAGE[region])
    lab = labs.laboratory_set_capacity(actor=province, place_id=place.pk, daily_capacity=500)
    testee = person_register(
        actor=None, name=f"{NAME[region]}受检", id_number=new_id_number("430104"), home_region=elsewhere.code
    )
    visit = labs.visit_triage(
        actor=clinic_staff,
        clinic_id=clinic.pk,
        person_id=testee.pk,
        temperature=Decimal("37.8"),
        symptoms=["cough"],
        exposures=[],
        code_colour="green",
    )

    def collect(prefix: str) -> labs_models.Sample:
        return labs.sample_collect(
            actor=clinic_staff, place_id=clinic.pk, person_id=testee.pk, barcode=f"{prefix}{region}01"
        )

    found: dict[str, Any] = {"clinic": clinic, "lab": lab, "testee": testee, "visit": visit}
    found["collected"] = labs.sample_collect(
        actor=clinic_staff, place_id=clinic.pk, person_id=testee.pk, barcode=f"C{region}01", visit_id=visit.pk
    )
    found["poolable"], found["shipped"], found["received"], member = (collect(p) for p in "PSRM")
    labs.samples_ship(actor=clinic_staff, lab_id=lab.pk, barcodes=[found["shipped"].barcode])
    labs.samples_receive(actor=lab_staff, lab_id=lab.pk, barcodes=[found["received"].barcode])
    pool = labs.pool_create(
        actor=clinic_staff,
        place_id=clinic.pk,
        barcode=f"Q{region}01",
        size=5,
        member_barcodes=[member.barcode],
    )
    labs.samples_receive(actor=lab_staff, lab_id=lab.pk, barcodes=[pool.barcode])
    labs.sample_report(
        actor=lab_staff, barcode=pool.barcode, result="positive", operator="检验员", ct_value="28.5"
    )
    found["retest"] = labs_models.RetestTask.objects.get(sample=member)
    for key in ("collected", "poolable", "shipped", "received"):
        found[key].refresh_from_db()
    return found


def referral_hospital() -> Place:
    """A prefecture-level hospital in a third county (岳麓区) with free intensive-care beds, where
    either county's severe patient may be transferred."""
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]
    place = Place.objects.create(name="长沙市转诊医院", kind="hospital", region_id=elsewhere.code)
    hospitals.hospital_register(actor=None, place_id=place.pk, level="prefecture")
    hospitals.ward_set_capacity(actor=None, hospital_id=place.pk, bed_type="icu", capacity=5)
    return place


def hospitals_objects(region: str, target: Place, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """A county hospital with isolation and intensive-care beds; a patient of a third county
    confirmed on 2020-02-01, admitted severe the next day, with two negative tests two days apart
    (so the discharge criteria are met); an expert in a group of the scope's prefecture, on its
    rota; and a consultation on the patient to which the expert is invited."""
    lab_staff = _user_with_role("matrix-lab-fixture", Role.LAB_STAFF, "43")
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]
    place = Place.objects.create(name=HOSPITAL[region], kind="hospital", region_id=VILLAGE[region])
    hospitals.hospital_register(actor=None, place_id=place.pk, level="county")
    for bed_type, capacity in (("isolation", 10), ("icu", 4)):
        hospitals.ward_set_capacity(actor=None, hospital_id=place.pk, bed_type=bed_type, capacity=capacity)
    patient = person_register(
        actor=None, name=f"{NAME[region]}住院", id_number=new_id_number("430104"), home_region=elsewhere.code
    )
    case = surveillance.case_report(
        actor=None,
        person_id=patient.pk,
        classification="suspected",
        report_date=dt.date(2020, 2, 1),
        residence=VILLAGE[region],
        reporting_unit="发热门诊",
        refresh=False,
    )
    surveillance.case_confirm(
        actor=None, case_id=case.pk, date=dt.date(2020, 2, 1), method="nucleic_acid", refresh=False
    )
    admission = hospitals.admission_admit(
        actor=None,
        case_id=case.pk,
        hospital_id=place.pk,
        bed_type="icu",
        admitted_on=dt.date(2020, 2, 2),
        severity="severe",
    )
    for day in (10, 12):
        labs.result_report(
            actor=lab_staff,
            person_id=patient.pk,
            result="negative",
            sampled_on=dt.date(2020, 2, day),
            lab="湘雅",
        )
    expert = hospitals.expert_create(actor=None, name=EXPERT[region], specialty="respiratory")
    group = hospitals.expert_group_create(
        actor=None, name=f"{HOSPITAL[region]}专家组", region=GROUP_REGION[region], member_ids=[expert.pk]
    )
    hospitals.duty_assign(
        actor=None, group_id=group.pk, expert_id=expert.pk, date=dt.date(2020, 2, 3), shift="day"
    )
    consultation = hospitals.consultation_request(
        actor=None, admission_id=admission.pk, question="呼吸衰竭加重"
    )
    [invitation] = hospitals.consultation_invite(
        actor=None, consultation_id=consultation.pk, expert_ids=[expert.pk]
    )
    return {
        "hospital": Hospital.objects.get(pk=place.pk),
        "patient": patient,
        "admission": admission,
        "expert": expert,
        "group": group,
        "consultation": consultation,
        "invitation": invitation,
        "target": target,
    }


def province_warehouse() -> supplies_models.Warehouse:
    """The province's reserve warehouse (in a third county), where the counties ship to."""
    officer = _user_with_role("matrix-supply-fixture", Role.SUPPLY_OFFICER, "43")
    elsewhere = Region.objects.filter(code__startswith="430104", level="village").order_by("code")[0]
    place = Place.objects.create(name="湖南省储备库", kind="warehouse", region_id=elsewhere.code)
    return supplies.warehouse_register(actor=officer, place_id=place.pk, level="province")


def supplies_objects(region: str, province: supplies_models.Warehouse) -> dict[str, Any]:
    """An item of the scope's own; the county's reserve warehouse receiving it twice (the first
    receipt is the one reversed); a warehouse place not yet registered; a producer with a day of
    output; a request allocated by a run of the county's warehouse, then an open one; and two
    shipments to the province's warehouse, one planned and one dispatched, with a unit too many
    on the road."""
    officer = _user_with_role("matrix-supply-fixture", Role.SUPPLY_OFFICER, "43")
    official = _user_with_role(f"matrix-s-{region}", Role.COUNTY_OFFICIAL, region)
    item = supplies.item_create(
        actor=officer, code=f"mask-{region}", name="医用口罩", category="protection", unit="只"
    )
    place = Place.objects.create(name=WAREHOUSE[region], kind="warehouse", region_id=VILLAGE[region])
    warehouse = supplies.warehouse_register(actor=officer, place_id=place.pk, level="county")
    fresh = Place.objects.create(name=FRESH_WAREHOUSE[region], kind="warehouse", region_id=VILLAGE[region])
    postings = [
        supplies.stock_receive(
            actor=officer,
            warehouse_id=warehouse.pk,
            item_id=item.pk,
            quantity=100,
            client_key=f"matrix-{region}-{n}",
        )
        for n in (1, 2)
    ]
    producer = supplies.producer_create(actor=officer, name=PRODUCER[region], region=region)
    supplies.production_record(
        actor=officer, producer_id=producer.pk, item_id=item.pk, date=dt.date(2020, 2, 1), output=1000
    )

    def ask(reason: str) -> supplies_models.SupplyRequest:
        return supplies.request_create(
            actor=official, region=region, item_id=item.pk, quantity=10, priority=2, reason=reason
        )

    ask("定点医院防护")
    run = supplies.allocation_run(actor=officer, item_id=item.pk, warehouse_id=warehouse.pk)
    request = ask("隔离点防护")

    def ship() -> supplies_models.Shipment:
        return supplies.shipment_create(
            actor=officer, origin_id=warehouse.pk, destination_id=province.pk, lines=[(item.pk, 10)]
        )

    planned, dispatched = ship(), ship()
    supplies.shipment_dispatch(actor=officer, shipment_id=dispatched.pk, client_key=f"matrix-{region}-go")
    # One unit on the road that no ledger entry accounts for: the reconciliation's mismatch here.
    supplies_models.Balance.objects.filter(location__warehouse=warehouse, location__kind="in_transit").update(
        quantity=F("quantity") + 1
    )
    return {
        "item": item,
        "warehouse": warehouse,
        "fresh": fresh,
        "entry": supplies_models.LedgerEntry.objects.get(posting=postings[0]),
        "producer": producer,
        "request": request,
        "run": run,
        "planned": planned,
        "dispatched": dispatched,
        "province": province,
    }


def command_objects(region: str) -> dict[str, Any]:
    """The province's directive to the county, reaching every region of it down to the villages;
    the county's own directive to its township; and the county's situation report of the day."""
    province = _user_with_role("matrix-province", Role.PROVINCIAL_COMMAND, "43")
    official = _user_with_role(f"matrix-c-{region}", Role.COUNTY_OFFICIAL, region)
    deadline = clock.now() + dt.timedelta(days=30)

    def issue(actor: User, issuer: str, title: str, targets: list[str]) -> Directive:
        return command.directive_issue(
            actor=actor, issuer=issuer, title=title, body="逐户排查。", targets=targets, deadline=deadline
        )

    directive = issue(province, "43", DIRECTIVE[region], [region])
    own = issue(official, region, OWN_DIRECTIVE[region], [TOWNSHIP[region]])
    return {
        "directive": directive,
        "own": own,
        "target": Target.objects.get(directive=directive, region_id=region),
        "village_target": Target.objects.get(directive=directive, region_id=VILLAGE[region]),
        "sitrep": command.sitrep_generate(actor=None, region=region, date=SITREP_DAY),
    }


def matrix_credit_code(region: str, n: int) -> str:
    """A valid unified social credit code of an enterprise of the county."""
    first17 = f"91{region}MA{n:07d}"
    return first17 + credit_code_check_char(first17)


ENTERPRISE = {IN: "芙蓉区湘江机械厂", OUT: "天心区岳麓纺织厂"}
APPLICANT = {IN: "芙蓉区新材料公司", OUT: "天心区电子公司"}
PARK = {IN: "芙蓉区产业园", OUT: "天心区产业园"}
POLICY = {IN: "芙蓉区稳岗补贴", OUT: "天心区稳岗补贴"}


def resumption_objects(region: str, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """Two enterprises of the county, each with a complete prevention plan checked by a liaison of
    the county stationed there (the matrix's liaison principal is stationed at both "in" ones, and
    its employer principal is one of their accounts, see `world`); the first has an employee, an
    application waiting for the county, three problem tickets (open, waiting on the enterprise,
    resolved) and an application for the county's policy; a second policy no one applied for; a
    park with a spare liaison of the county in its group."""
    official = _user_with_role(f"matrix-r-{region}", Role.COUNTY_OFFICIAL, region)
    checker = _user_with_role(f"matrix-l-{region}", Role.ENTERPRISE_LIAISON, region)
    spare = _user_with_role(f"matrix-l2-{region}", Role.ENTERPRISE_LIAISON, region)
    park = resumption.park_create(actor=official, name=PARK[region], region=region)

    def register(name: str, n: int) -> Any:
        enterprise = resumption.enterprise_register(
            actor=official,
            credit_code=matrix_credit_code(region, n),
            name=name,
            industry="manufacturing",
            region=region,
            workforce=100,
        )
        resumption.liaison_assign(actor=official, liaison_id=checker.pk, enterprise_id=enterprise.pk)
        resumption.plan_update(actor=checker, enterprise_id=enterprise.pk, items=list(PlanItem.values))
        resumption.plan_check(actor=checker, enterprise_id=enterprise.pk)
        return enterprise

    enterprise, applicant = register(ENTERPRISE[region], 1), register(APPLICANT[region], 2)
    assignment = resumption.liaison_assign(actor=official, liaison_id=spare.pk, park_id=park.pk)
    employee = resumption.employee_add(
        actor=checker,
        enterprise_id=enterprise.pk,
        name=f"{ENTERPRISE[region]}职工",
        id_number=new_id_number(region, "19880808"),
        home_region=NEIGHBOURHOOD[region],
    )
    application = resumption.resumption_apply(
        actor=checker, enterprise_id=enterprise.pk, planned_date=clock.today(), workforce_planned=60
    )

    def ticket(title: str) -> Any:
        return resumption_tickets.ticket_open(
            actor=checker,
            enterprise_id=enterprise.pk,
            category="labour",
            priority="normal",
            title=f"{ENTERPRISE[region]}{title}",
            description="返岗员工不足。",
        )

    opened, waiting, resolved = ticket("缺工"), ticket("缺口罩"), ticket("缺物流")
    resumption_tickets.ticket_wait(actor=official, ticket_id=waiting.pk, note="请补充用工清单")
    resumption_tickets.ticket_resolve(actor=official, ticket_id=resolved.pk, resolution="已对接物流企业")

    def policy(code: str, title: str) -> Any:
        return resumption_policies.policy_create(
            actor=official,
            code=f"{code}-{region}",
            title=title,
            kind="subsidy",
            summary="按参保职工人数给予补贴。",
            issuer=region,
            valid_from=dt.date(2020, 2, 1),
        )

    applied, fresh_policy = (
        policy("matrix-jobs", POLICY[region]),
        policy("matrix-rent", f"{PARK[region]}租金减免"),
    )
    policy_application = resumption_policies.policy_apply(
        actor=checker, enterprise_id=enterprise.pk, policy_id=applied.pk
    )
    return {
        "enterprise": enterprise,
        "applicant": applicant,
        "application": application,
        "park": park,
        "spare": spare,
        "assignment": assignment,
        "employee": employee,
        "open": opened,
        "waiting": waiting,
        "resolved": resolved,
        "policy": applied,
        "fresh_policy": fresh_policy,
        "policy_application": policy_application,
    }


VOLUNTEER = {IN: "芙蓉志愿者", OUT: "天心志愿者"}
ORGANISATION = {IN: "芙蓉区青年志愿者协会", OUT: "天心区青年志愿者协会"}


def volunteers_objects(region: str, new_id_number: Callable[..., str]) -> dict[str, Any]:
    """A volunteer of the county's township registered by its coordinator, a verified counsellor
    (the matrix's resident principal is the "in" one, see `world`; here a login of the county's
    stands in). Missions of the township: one running for three days, the volunteer assigned, with
    approved hours (so a certificate), hours waiting for approval and the volunteer on duty now;
    one tomorrow the volunteer signed up for; one in two days without sign-ups. A hotline shift of
    the volunteer now, with a call logged, and another tomorrow."""
    coordinator = _user_with_role(f"matrix-v-{region}", Role.VOLUNTEER_COORDINATOR, region)
    login = _user_with_role(f"matrix-vr-{region}", Role.RESIDENT, region)
    township = TOWNSHIP[region]
    volunteer = volunteers.volunteer_register(
        actor=coordinator,
        name=VOLUNTEER[region],
        id_number=new_id_number(region, "19920202"),
        home_region=NEIGHBOURHOOD[region],
        region=township,
        organisation=ORGANISATION[region],
        skills=["counselling"],
    )
    Person.objects.filter(pk=volunteer.person_id).update(user=login)
    volunteers.qualification_submit(actor=login, qualification="counsellor_2", number="C-1")
    volunteers.qualification_verify(actor=coordinator, volunteer_id=volunteer.pk, approve=True)
    now = clock.now()

    def mission(kind: str, title: str, starts: dt.timedelta, hours: int) -> Any:
        return volunteers.mission_create(
            actor=coordinator,
            kind=kind,
            title=f"{ORGANISATION[region]}{title}",
            region=township,
            starts_at=now + starts,
            ends_at=now + starts + dt.timedelta(hours=hours),
            slots=3,
        )

    running = mission("checkpoint", "小区卡口值守", -dt.timedelta(days=3), 96)
    upcoming = mission("checkpoint", "小区卡口夜班", dt.timedelta(days=1), 4)
    fresh = mission("errands", "为独居老人代购", dt.timedelta(days=2), 4)
    served = volunteers.signup_decide(
        actor=coordinator,
        signup_id=volunteers.signup_create(actor=login, mission_id=running.pk).pk,
        assign=True,
    )
    pending = volunteers.signup_create(actor=login, mission_id=upcoming.pk)

    def log(days: int, hours: int) -> Any:
        start = now - dt.timedelta(days=days)
        return volunteers.hours_log(
            actor=coordinator,
            signup_id=served.pk,
            check_in_at=start,
            check_out_at=start + dt.timedelta(hours=hours),
        )

    volunteers.hours_decide(actor=coordinator, record_id=log(3, 4).pk, approve=True)
    logged = log(2, 2)
    certificate = volunteers.certificate_issue(actor=coordinator, volunteer_id=volunteer.pk)
    on_duty = volunteers.hours_check_in(actor=login, signup_id=served.pk, at=now - dt.timedelta(minutes=30))

    def shift(starts: dt.timedelta) -> Any:
        return volunteers.shift_schedule(
            actor=coordinator,
            counsellor_id=volunteer.pk,
            line="心理援助热线",
            region=region,
            starts_at=now + starts,
            ends_at=now + starts + dt.timedelta(hours=4),
        )

    current, later = shift(-dt.timedelta(hours=1)), shift(dt.timedelta(days=1))
    volunteers.session_log(
        actor=login,
        shift_id=current.pk,
        started_at=now - dt.timedelta(minutes=40),
        minutes=15,
        caller_group="public",
        topic="sleep",
    )
    return {
        "volunteer": volunteer,
        "running": running,
        "served": served,
        "on_duty": on_duty,
        "upcoming": upcoming,
        "pending": pending,
        "fresh": fresh,
        "logged": logged,
        "certificate": certificate,
        "shift": current,
        "later": later,
    }


MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def matrix_objects(django_db_setup, django_db_blocker, module_id_number) -> dict[str, Any]:
    """The objects every case reads, built once: inside a transaction that is rolled back after
    the module's last case. Each case runs in a savepoint of it (its `db` fixture), so what one
    case writes is undone before the next."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _matrix_objects(module_id_number)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _matrix_objects(new_id_number: Callable[..., str]) -> dict[str, Any]:
    person, place, job, cases, labs_found, health, screened, observed = {}, {}, {}, {}, {}, {}, {}, {}
    tested, treated, stocked, commanded = {}, {}, {}, {}
    resuming, volunteering, employing, spending = {}, {}, {}, {}
    target = referral_hospital()
    province = province_warehouse()
    for scope, region in (("in", IN), ("out", OUT)):
        person[scope] = person_register(
            actor=None,
            name=NAME[region],
            id_number=ID_NUMBER[region],
            home_region=VILLAGE[region],
            phone="13800138000",
        )
        place[scope] = Place.objects.create(
            name=PLACE[region], kind="compound_gate", region_id=VILLAGE[region]
        )
        job[scope] = Job.objects.create(kind="people.import", region_path=region, capability="people.view")
        cases[scope] = surveillance_objects(person[scope], region, new_id_number)
        labs_found[scope] = labs_objects(person[scope], place[scope], new_id_number)
        health[scope] = healthpass_objects(person[scope], region)
        screened[scope] = screening_objects(region, new_id_number)
        observed[scope] = quarantine_objects(region, cases[scope]["confirmed"], new_id_number)
        tested[scope] = labs_testing_objects(region, new_id_number)
        treated[scope] = hospitals_objects(region, target, new_id_number)
        stocked[scope] = supplies_objects(region, province)
        commanded[scope] = command_objects(region)
        resuming[scope] = resumption_objects(region, new_id_number)
        volunteering[scope] = volunteers_objects(region, new_id_number)
        employing[scope] = employment_objects(region)
        spending[scope] = vouchers_objects(region)
    supplies.donation_record(
        actor=_user_with_role("matrix-supply-fixture", Role.SUPPLY_OFFICER, "43"),
        direction="in",
        kind="money",
        donor="旅美华人协会",
        country="美国",
        association="旅美华人协会",
        recipient="湖南省慈善总会",
        date=dt.date(2020, 1, 30),
        receipt_number="MATRIX-0001",
        amount=Decimal("10000.00"),
    )
    supplies.reconcile()
    User.objects.create_user(username="matrix-login", password=PASSWORD)
    return {
        "person": person,
        "place": place,
        "job": job,
        "cases": cases,
        "labs": labs_found,
        "healthpass": health,
        "screening": screened,
        "quarantine": observed,
        "testing": tested,
        "hospitals": treated,
        "supplies": stocked,
        "command": commanded,
        "resumption": resuming,
        "volunteers": volunteering,
        "employment": employing,
        "vouchers": spending,
    }


@pytest.fixture
def world(db, settings, matrix_objects) -> Callable[[str], World]:
    settings.PASSWORD_HASHERS = MD5

    def build(principal: str) -> World:
        user, headers = None, {}
        if principal != ANONYMOUS:
            user = User.objects.create(username=f"matrix-{principal}")
            if principal != NO_ROLE:
                RoleAssignment.objects.create(user=user, role=principal, region_id=IN)
            if principal == Role.EXPERT:
                expert = matrix_objects["hospitals"]["in"]["expert"]
                Expert.objects.filter(pk=expert.pk).update(user=user)
            link_to_objects(user, principal, matrix_objects)
            _token, key = api_token_create(actor=user, name="matrix")
            headers = {"Authorization": f"Bearer {key}"}
        return World(**matrix_objects, user=user, headers=headers)

    return build


def link_to_objects(user: User, principal: str, objects: dict[str, Any]) -> None:
    """The liaison principal is stationed at both "in" enterprises, the employer principal is one of
    their accounts and of the "in" employer's, the merchant principal one of the "in" merchant's,
    and the resident principal is the "in" volunteer (with their seeker profile and vouchers)."""
    found = objects["resumption"]["in"]
    for enterprise in (found["enterprise"], found["applicant"]):
        if principal == Role.ENTERPRISE_LIAISON:
            resumption_models.LiaisonAssignment.objects.create(liaison=user, enterprise=enterprise)
        if principal == Role.EMPLOYER:
            enterprise.accounts.add(user)
    if principal == Role.RESIDENT:
        Person.objects.filter(pk=objects["volunteers"]["in"]["volunteer"].person_id).update(user=user)
    if principal == Role.EMPLOYER:
        objects["employment"]["in"]["employer"].accounts.add(user)
    if principal == Role.MERCHANT:
        objects["vouchers"]["in"]["merchant"].accounts.add(user)


def counted(rows: Any) -> tuple[str, Sequence[Any]]:
    """The query counting `rows`, as SQL and its parameters."""
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) AS counted", params


def listed(rows: QuerySet[Any, Any]) -> tuple[str, Sequence[Any]]:
    return rows.query.sql_with_params()


@functools.cache
def snapshot_queries() -> tuple[tuple[str, Sequence[Any]], ...]:
    """What a refused request must leave as it was, compiled once: the snapshot of every case
    runs them without building them again."""
    return (
        counted(Person.objects),
        counted(Place.objects),
        counted(AuditEvent.objects),
        counted(ApiToken.objects),
        counted(ApiToken.objects.filter(revoked_at__isnull=False)),
        counted(Job.objects),
        counted(Case.objects),
        counted(CaseEvent.objects),
        counted(Cluster.objects),
        counted(ResponseLevelPeriod.objects),
        listed(
            Case.objects.order_by("pk").values_list("classification", "severity", "outcome", "cluster_id")
        ),
        counted(labs_models.TestResult.objects),
        listed(labs_models.Referral.objects.order_by("pk").values_list("status", "outcome_note")),
        counted(healthpass_models.Scan.objects),
        counted(healthpass_models.ColourChange.objects),
        counted(healthpass_models.HealthDeclaration.objects.filter(verified_at__isnull=False)),
        listed(healthpass_models.ColourOverride.objects.order_by("pk").values_list("status", flat=True)),
        listed(healthpass_models.Appeal.objects.order_by("pk").values_list("status", flat=True)),
        listed(ScreeningRun.objects.order_by("pk").values_list("status", flat=True)),
        listed(RiskArea.objects.order_by("pk").values_list("area_code", "starts_on", "ends_on")),
        counted(TravelRecord.objects),
        listed(GridTask.objects.order_by("pk").values_list("status", "outcome", "observation_id")),
        listed(ObservationPeriod.objects.order_by("pk").values_list("status", "due_on", "ended_on")),
        counted(CheckIn.objects),
        listed(Alert.objects.order_by("pk").values_list("resolved_at", flat=True)),
        listed(Site.objects.order_by("pk").values_list("name", "rooms", "active")),
        counted(Contact.objects),
        listed(labs_models.Laboratory.objects.order_by("pk").values_list("daily_capacity", flat=True)),
        counted(labs_models.ClinicVisit.objects),
        listed(
            labs_models.Sample.objects.order_by("pk").values_list("status", "lab_id", "pool_id", "result")
        ),
        listed(labs_models.RetestTask.objects.order_by("pk").values_list("status", flat=True)),
        listed(hospital_models.Ward.objects.order_by("pk").values_list("capacity", flat=True)),
        listed(Admission.objects.order_by("pk").values_list("status", "severity", "tcm", "ended_on")),
        counted(hospital_models.SeverityUpdate.objects),
        counted(hospital_models.Treatment.objects),
        counted(Expert.objects),
        counted(hospital_models.ExpertGroup.objects),
        counted(hospital_models.DutyShift.objects),
        listed(Consultation.objects.order_by("pk").values_list("status", "scheduled_at")),
        listed(hospital_models.Invitation.objects.order_by("pk").values_list("status", flat=True)),
        counted(hospital_models.Opinion.objects),
        counted(supplies_models.Item.objects),
        counted(supplies_models.Warehouse.objects),
        counted(supplies_models.LedgerEntry.objects),
        listed(supplies_models.Balance.objects.order_by("pk").values_list("quantity", flat=True)),
        listed(supplies_models.Producer.objects.order_by("pk").values_list("name", "region_id")),
        listed(supplies_models.ProductionDay.objects.order_by("pk").values_list("capacity", "output")),
        listed(supplies_models.SupplyRequest.objects.order_by("pk").values_list("status", "allocated")),
        counted(supplies_models.AllocationRun.objects),
        listed(supplies_models.Shipment.objects.order_by("pk").values_list("status", flat=True)),
        counted(supplies_models.Donation.objects),
        listed(Directive.objects.order_by("pk").values_list("status", flat=True)),
        counted(Target.objects),
        listed(
            Target.objects.exclude(status="pending").order_by("pk").values_list("status", "progress", "note")
        ),
        counted(command_models.Attachment.objects),
        listed(command_models.Sitrep.objects.order_by("pk").values_list("region_id", "date", "generated_at")),
        *resumption_state(),
        *volunteers_state(),
        *employment_state(),
        *vouchers_state(),
    )


def employment_state() -> tuple[tuple[str, Sequence[Any]], ...]:
    return (
        counted(employment_models.Employer.objects),
        counted(employment_models.Employer.accounts.through.objects),
        listed(employment_models.JobPost.objects.order_by("pk").values_list("status", flat=True)),
        listed(
            employment_models.Seeker.objects.order_by("pk").values_list(
                "region_id", "occupation_id", "skills", "expected_salary", "available_from", "visible"
            )
        ),
        listed(employment_models.Application.objects.order_by("pk").values_list("stage", "note", "hired_at")),
        counted(employment_models.StageChange.objects),
    )


def vouchers_state() -> tuple[tuple[str, Sequence[Any]], ...]:
    return (
        listed(vouchers_models.Program.objects.order_by("pk").values_list("status", "drawn_at")),
        listed(vouchers_models.Denomination.objects.order_by("pk").values_list("remaining", flat=True)),
        counted(vouchers_models.Eligibility.objects),
        listed(vouchers_models.LotteryEntry.objects.order_by("pk").values_list("won", flat=True)),
        listed(vouchers_models.Voucher.objects.order_by("pk").values_list("status", flat=True)),
        listed(vouchers_models.Redemption.objects.order_by("pk").values_list("status", "settlement_id")),
        counted(vouchers_models.LedgerEntry.objects),
        listed(vouchers_models.Settlement.objects.order_by("pk").values_list("amount_fen", "redemptions")),
        listed(vouchers_models.FraudFlag.objects.order_by("pk").values_list("status", flat=True)),
        listed(vouchers_models.Merchant.objects.order_by("pk").values_list("status", "review_note")),
        counted(vouchers_models.Merchant.accounts.through.objects),
    )


def resumption_state() -> tuple[tuple[str, Sequence[Any]], ...]:
    return (
        listed(
            resumption_models.Enterprise.objects.order_by("pk").values_list("name", "workforce", "status")
        ),
        counted(resumption_models.Park.objects),
        listed(resumption_models.LiaisonAssignment.objects.order_by("pk").values_list("ended_at", flat=True)),
        counted(resumption_models.LiaisonVisit.objects),
        listed(
            resumption_models.PreventionPlan.objects.order_by("pk").values_list("updated_at", "checked_at")
        ),
        counted(resumption_models.Employee.objects),
        counted(resumption_models.HealthReport.objects),
        listed(
            resumption_models.ResumptionApplication.objects.order_by("pk").values_list("status", flat=True)
        ),
        counted(resumption_models.ResumptionDay.objects),
        listed(resumption_models.ProblemTicket.objects.order_by("pk").values_list("status", "level")),
        counted(resumption_models.TicketEvent.objects),
        listed(resumption_models.Policy.objects.order_by("pk").values_list("summary", flat=True)),
        listed(resumption_models.PolicyApplication.objects.order_by("pk").values_list("status", flat=True)),
    )


SKILLS = {IN: "芙蓉区低压电工证 叉车", OUT: "天心区低压电工证 叉车"}
APPLICATION_NOTE = {IN: "芙蓉区电工五年经验", OUT: "天心区电工五年经验"}


def employment_objects(region: str) -> dict[str, Any]:
    """An employer of the county (with a credit code) and three posts of a 电工: one open without
    applicants, one the scope's volunteer (the resident principal in scope "in") applied to and was
    shortlisted for, one they were hired for today. The volunteer's seeker profile is the one their
    login saves."""
    official = _user_with_role(f"matrix-employment-{region}", Role.COUNTY_OFFICIAL, region)
    login = _user_with_role(f"matrix-vr-{region}", Role.RESIDENT, region)
    employer = employment.employer_register(
        actor=official,
        name=f"{PLACE[region][:3]}电器厂",
        region=region,
        credit_code=matrix_credit_code(region, 3),
    )

    def post(title: str) -> Any:
        return employment.job_post_create(
            actor=official,
            employer_id=employer.pk,
            title=title,
            occupation="6-31-01-03",
            salary_min=4000,
            salary_max=6000,
            headcount=1,
            closing_date=clock.today() + dt.timedelta(days=30),
        )

    opened, pipeline, filled = post("招聘电工"), post("招聘维修电工"), post("招聘值班电工")
    seeker = employment.seeker_save(
        actor=login,
        region=NEIGHBOURHOOD[region],
        available_from=clock.today(),
        occupation="6-31-01-03",
        skills=SKILLS[region],
        expected_salary=5000,
    )

    def move(application: Any, *stages: str) -> None:
        for stage in stages:
            employment.application_move(actor=official, application_id=application.pk, stage=stage)

    application = employment.job_apply(actor=login, job_id=pipeline.pk, note=APPLICATION_NOTE[region])
    move(application, "shortlisted")
    hired = employment.job_apply(actor=login, job_id=filled.pk)
    move(hired, "shortlisted", "interview", "offered", "hired")
    return {
        "employer": employer,
        "post": opened,
        "pipeline": pipeline,
        "filled": filled,
        "seeker": seeker,
        "application": application,
        "hired": hired,
    }


SHOP = {IN: "芙蓉区湘菜馆", OUT: "天心区湘菜馆"}


def vouchers_objects(region: str) -> dict[str, Any]:
    """Programmes of the county spent in it at restaurants: "open" (first come, claimable now, ten
    vouchers a resident), "listed" (a draft for an eligibility list), "lottery" (taking entries) and
    "ended" (its entries closed yesterday, the scope's volunteer entered, not drawn). An approved
    restaurant registered by the county (the merchant principal is one of the "in" one's accounts;
    here a login of the county's stands in) where the scope's volunteer (the resident principal in
    scope "in") spent two vouchers within minutes six days ago (a split-order flag; the county's
    settlement run paid them) and a third five days ago (past its hold period, not settled yet), and
    holds a fourth."""
    official = _user_with_role(f"matrix-vo-{region}", Role.COUNTY_OFFICIAL, region)
    login = _user_with_role(f"matrix-vr-{region}", Role.RESIDENT, region)
    till = _user_with_role(f"matrix-m-{region}", Role.MERCHANT, region)
    now = clock.now()
    day = dt.timedelta(days=1)

    def program(name: str, claiming: str, opens: dt.timedelta, closes: dt.timedelta, **fields: Any) -> Any:
        found = vouchers.program_create(
            actor=official,
            name=f"{PLACE[region][:3]}{name}",
            funder_kind="government",
            funder=f"{PLACE[region][:3]}人民政府",
            region=region,
            regions=[region],
            budget_fen=10_000_000,
            categories=["catering"],
            claiming=claiming,
            per_person_limit=10,
            claim_opens=now + opens,
            claim_closes=now + closes,
            valid_from=now - 10 * day,
            valid_until=now + 60 * day,
            denominations=[{"face_value_fen": 1000, "threshold_fen": 5000, "stock": 100}],
            **fields,
        )
        if claiming != "list":
            vouchers.program_publish(actor=official, program_id=found.pk)
        return found

    opened = program("消费券", "first_come", -10 * day, 30 * day)
    listed = program("职工消费券", "list", -day, 30 * day, eligible_groups=["employee"])
    lottery = program("旅游消费券", "lottery", -day, 30 * day)
    ended = program("惠民消费券", "lottery", -10 * day, -day)
    merchant = voucher_merchants.merchant_register(
        actor=official,
        name=SHOP[region],
        category="catering",
        small_micro=True,
        region=VILLAGE[region],
        credit_code=matrix_credit_code(region, 5),
    )
    merchant.accounts.add(till)

    def spend(at: dt.datetime, order_no: str) -> Any:
        with clock.frozen_at(at):
            voucher = vouchers.voucher_claim(actor=login, program_id=opened.pk)
            redemption, _created = vouchers.voucher_redeem(
                actor=till,
                merchant_id=merchant.pk,
                code=voucher.code,
                order_no=order_no,
                order_amount_fen=6000,
            )
        return redemption

    with clock.frozen_at(now - 2 * day):
        vouchers.lottery_enter(actor=login, program_id=ended.pk)
    orders = [f"MATRIX-{region}-{n}" for n in (1, 2, 3)]
    spend(now - 6 * day, orders[0])
    spend(now - 6 * day + dt.timedelta(minutes=10), orders[1])
    vouchers.settlement_run(actor=official)
    due = spend(now - 5 * day, orders[2])
    return {
        "open": opened,
        "listed": listed,
        "lottery": lottery,
        "ended": ended,
        "merchant": merchant,
        "held": vouchers.voucher_claim(actor=login, program_id=opened.pk),
        "due": due,
        "flag": vouchers_models.FraudFlag.objects.get(merchant=merchant, rule="split_order"),
        "orders": orders,
    }


def volunteers_state() -> tuple[tuple[str, Sequence[Any]], ...]:
    return (
        listed(
            volunteers_models.Volunteer.objects.order_by("pk").values_list(
                "organisation", "active", "qualification", "qualification_verified_at"
            )
        ),
        listed(volunteers_models.Mission.objects.order_by("pk").values_list("status", flat=True)),
        listed(volunteers_models.SignUp.objects.order_by("pk").values_list("status", flat=True)),
        listed(volunteers_models.HoursRecord.objects.order_by("pk").values_list("status", "check_out_at")),
        counted(volunteers_models.Certificate.objects),
        counted(volunteers_models.HotlineShift.objects),
        counted(volunteers_models.CounsellingSession.objects),
    )


def snapshot() -> tuple[tuple[Any, ...], ...]:
    with connection.cursor() as cursor:
        found = []
        for sql, params in snapshot_queries():
            cursor.execute(sql, params)
            found.append(tuple(cursor.fetchall()))
    return tuple(found)


def secrets_of(world: World, scope: str) -> list[str]:
    person, place = world.person[scope], world.place[scope]
    cases = world.cases.get(scope, {})
    screened, observed = world.screening.get(scope, {}), world.quarantine.get(scope, {})
    return [
        person.name,
        person.id_number_masked,
        str(person.pk),
        ID_NUMBER[person.home_region_id[:6]],
        place.name,
        *(str(cases[key].pk) for key in ("suspected", "confirmed", "confirmed2") if key in cases),
        *([cases["cluster"].name] if "cluster" in cases else []),
        *(
            str(world.labs[scope][key].pk)
            for key in ("referral", "result")
            if key in world.labs.get(scope, {})
        ),
        *([world.labs[scope]["stopped"].name] if "stopped" in world.labs.get(scope, {}) else []),
        *(str(found.pk) for found in world.healthpass.get(scope, {}).values()),
        *(
            secret
            for resident in (screened.get("returnee"), observed.get("observed"))
            if resident is not None
            for secret in (resident.name, resident.id_number_masked, str(resident.pk))
        ),
        *(str(screened[key].pk) for key in ("run", "task") if key in screened),
        *(str(observed[key].pk) for key in ("period", "contact") if key in observed),
        *([observed["site"].name] if "site" in observed else []),
        *(
            secret
            for found in [world.testing.get(scope, {})]
            if found
            for secret in (
                found["clinic"].name,
                found["lab"].place.name,
                found["testee"].name,
                str(found["testee"].pk),
                *(str(found[key].pk) for key in ("visit", "collected", "shipped", "received", "retest")),
            )
        ),
        *(
            secret
            for found in [world.hospitals.get(scope, {})]
            if found
            for secret in (
                found["hospital"].place.name,
                found["patient"].name,
                str(found["patient"].pk),
                found["group"].name,
                *(str(found[key].pk) for key in ("admission", "group", "consultation", "invitation")),
            )
        ),
        *(
            secret
            for found in [world.supplies.get(scope, {})]
            if found
            for secret in (
                found["warehouse"].place.name,
                found["fresh"].name,
                found["producer"].name,
                *(str(found[key].pk) for key in ("request", "run", "planned", "dispatched")),
            )
        ),
        *(
            secret
            for found in [world.command.get(scope, {})]
            if found
            for secret in (
                found["directive"].title,
                found["own"].title,
                *(str(found[key].pk) for key in ("directive", "own", "target", "village_target", "sitrep")),
            )
        ),
        *(
            secret
            for found in [world.resumption.get(scope, {})]
            if found
            for secret in (
                found["enterprise"].name,
                found["enterprise"].credit_code,
                found["applicant"].name,
                found["park"].name,
                found["policy"].title,
                found["open"].title,
            )
        ),
        *(
            secret
            for found in [world.volunteers.get(scope, {})]
            if found
            for secret in (
                found["volunteer"].person.name,
                found["volunteer"].organisation,
                found["running"].title,
                found["fresh"].title,
            )
        ),
        # Posts and their employers' names are public; the employer's credit code, its applicants'
        # skills and notes are not.
        *(
            secret
            for found in [world.employment.get(scope, {})]
            if found
            for secret in (found["employer"].credit_code, found["seeker"].skills, found["application"].note)
        ),
        # Programmes are public; merchants, vouchers and orders are not.
        *(
            secret
            for found in [world.vouchers.get(scope, {})]
            if found
            for secret in (
                found["merchant"].name,
                found["merchant"].credit_code,
                found["held"].code,
                *found["orders"],
            )
        ),
    ]


def readable(response: Any) -> str:
    """The response as text the secrets are searched in: JSON with its escaped characters
    ("\\u8299") written out, a PDF with its bytes that are no UTF-8 replaced."""
    if response.content and response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode(errors="replace")


CASES = [
    pytest.param(key, principal, scope, id=f"{key[0]} {key[1]}-{principal}-{scope}")
    for key in MATRIX
    for principal in PRINCIPALS
    for scope in SCOPES
]


@pytest.mark.parametrize(("route", "principal", "scope"), CASES)
def test_permission_matrix(api_client, world, route, principal, scope):
    rule = MATRIX[route]
    state = world(principal)
    path, kwargs = rule.request(state, scope)
    expected, refusal = expected_error(rule, principal, scope)
    # Only a refusal is compared with the database before it (an unexpected one fails on its status).
    before = snapshot() if expected >= 400 else None

    response = api_client.request(route[0], path, headers=state.headers, **kwargs)

    body = readable(response)
    assert response.status_code == expected, body
    if response.status_code >= 400:
        assert set(response.json()) >= {"code", "message"}
        code = response.json()["code"]
        if expected == 401:
            assert code == "unauthenticated"
        elif expected == 403:
            assert code == refusal
        assert snapshot() == before, "a refused request changed the database"
        for secret in secrets_of(state, "in") + secrets_of(state, "out"):
            assert secret not in body, f"a refused request leaked {secret!r}"
    elif scope == "out":
        for secret in secrets_of(state, "out"):
            assert secret not in body, f"an object outside the jurisdiction leaked: {secret!r}"
    if rule.scope == "list" and response.status_code == 200:
        assert response.json()["count"] == (1 if scope == "in" and sees_object(rule, principal) else 0)
