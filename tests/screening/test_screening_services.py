"""Risk areas, screening runs (parameters, counts, progress, idempotence, jurisdiction), grid tasks
and their verification."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from tests.screening.conftest import ELSEWHERE, NEIGHBOUR, TODAY, VILLAGE, csv_bytes, record

from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent, JobStatus
from fangyi.people.services import person_register
from fangyi.quarantine.models import ObservationPeriod, Site
from fangyi.screening.choices import Outcome, RunStatus, TaskStatus
from fangyi.screening.imports import rows_from_upload
from fangyi.screening.models import (
    GridTask,
    RiskArea,
    ScreeningHit,
    ScreeningRun,
    ScreeningTally,
    TravelRecord,
)
from fangyi.screening.services import (
    grid_task_verify,
    grid_tasks_create,
    risk_area_create,
    risk_area_end,
    screening_run_execute,
    screening_run_start,
    travel_import,
)
from fangyi.surveillance.choices import RiskLevel
from fangyi.surveillance.models import CountyRiskLevel, RiskRuleSet


def load(rows) -> dict:
    return travel_import(actor=None, rows=rows_from_upload(name="r.csv", content=csv_bytes(rows)))


def run_now(actor, capture, region="430102", **params) -> ScreeningRun:
    with capture(execute=True):
        run = screening_run_start(actor=actor, region=region, as_of=TODAY, **params)
    run.refresh_from_db()
    return run


# Risk areas --------------------------------------------------------------------------------------


def test_the_province_lists_and_ends_risk_areas(province):
    area = risk_area_create(
        actor=province, area_code="420100", name=" 武汉市 ", starts_on=dt.date(2020, 1, 10)
    )
    assert (area.area_code, area.name, area.ends_on, area.created_by) == ("4201", "武汉市", None, province)
    ended = risk_area_end(actor=province, risk_area_id=area.pk, ends_on=dt.date(2020, 3, 1))
    assert ended.ends_on == dt.date(2020, 3, 1)
    actions = set(AuditEvent.objects.filter(object_id=str(area.pk)).values_list("action", flat=True))
    assert actions == {"risk_area.create", "risk_area.end"}
    hunan_village = risk_area_create(
        actor=province, area_code=VILLAGE, name="社区", starts_on=dt.date(2020, 1, 20)
    )
    assert hunan_village.area_code == VILLAGE


@pytest.mark.parametrize(
    ("code", "starts", "ends", "error"),
    [
        ("999900", dt.date(2020, 1, 10), None, "risk_area.unknown_area"),
        ("420106001", dt.date(2020, 1, 10), None, "risk_area.unknown_area"),  # a township outside Hunan
        ("wuhan", dt.date(2020, 1, 10), None, "risk_area.unknown_area"),
        ("4201", dt.date(2020, 1, 10), dt.date(2020, 1, 10), "risk_area.ends_before_start"),
    ],
)
def test_bad_risk_areas_are_refused(province, code, starts, ends, error):
    with pytest.raises(DomainError) as refused:
        risk_area_create(actor=province, area_code=code, name="x", starts_on=starts, ends_on=ends)
    assert refused.value.code == error and refused.value.field
    assert not RiskArea.objects.exists()


def test_only_the_province_lists_risk_areas(county, hubei):
    with pytest.raises(PermissionDenied):
        risk_area_create(actor=county, area_code="4201", name="武汉市", starts_on=dt.date(2020, 1, 10))
    with pytest.raises(PermissionDenied):
        risk_area_end(actor=county, risk_area_id=hubei.pk, ends_on=dt.date(2020, 3, 1))
    hubei.refresh_from_db()
    assert hubei.ends_on is None


def test_ending_an_unknown_risk_area_is_not_found(province):
    with pytest.raises(NotFound):
        risk_area_end(actor=province, risk_area_id=999, ends_on=dt.date(2020, 3, 1))


# Runs --------------------------------------------------------------------------------------------


def test_a_run_stores_parameters_counts_hits_tallies_and_tasks(
    county, hubei, grid, resident_factory, django_capture_on_commit_callbacks
):
    seen = resident_factory(grid=grid)
    twice = resident_factory(NEIGHBOUR)
    stayed = resident_factory()
    elsewhere = resident_factory(ELSEWHERE)  # another county: not screened by 芙蓉区
    load(
        [
            record(seen.plain_id_number, "420106", "2020-01-18 08:00"),
            record(twice.plain_id_number, "420502", "2020-01-19 08:00"),
            record(twice.plain_id_number, "420502", "2020-01-22 23:30", source="telecom"),
            record(stayed.plain_id_number, "110101", "2020-01-20 08:00"),  # Beijing
            record(seen.plain_id_number, "4201", "2020-01-05 08:00"),  # before the look-back
            record(elsewhere.plain_id_number, "4201", "2020-01-20 08:00"),
            record("110101199001011237", "4201", "2020-01-20 08:00"),  # nobody we know
        ]
    )
    run = run_now(county, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED and run.finished_at is not None
    assert (run.region_id, run.as_of, run.lookback_days, run.backend) == ("430102", TODAY, 14, "duckdb")
    assert run.created_by == county
    counts = run.counts
    assert {k: counts[k] for k in counts if k != "seconds"} == {
        "records_scanned": 4,  # 芙蓉区 residents' records inside the look-back
        "records_unmatched": 1,
        "persons_screened": 2,
        "tasks_created": 2,
        "tasks_existing": 0,
    }
    assert run.risk_areas == [
        {"area_code": "42", "name": "湖北省", "starts_on": "2020-01-10", "ends_on": None, "source": "list"}
    ]
    job = run.job
    assert (job.kind, job.status, job.done, job.total) == ("screening.run", JobStatus.SUCCEEDED, 4, 4)
    hits = {hit.person_id: hit for hit in ScreeningHit.objects.filter(run=run)}
    assert set(hits) == {seen.pk, twice.pk}
    assert hits[twice.pk].records == 2 and hits[twice.pk].area_code == "420502"
    assert hits[twice.pk].last_seen == dt.datetime(2020, 1, 22, 15, 30, tzinfo=dt.UTC)
    assert hits[seen.pk].grid_id == grid.pk
    tallies = {(t.level, t.code): t.persons for t in ScreeningTally.objects.filter(run=run)}
    assert tallies[("county", "430102")] == 2 and tallies[("township", "430102001")] == 2
    assert tallies[("village", VILLAGE)] == 1 and tallies[("grid", grid.pk)] == 1
    tasks = {task.person_id: task for task in GridTask.objects.filter(run=run)}
    task = tasks[seen.pk]
    assert (task.region_id, task.grid_id, task.status) == (VILLAGE, grid.pk, TaskStatus.OPEN)
    assert "湖北省" not in task.reason and "420106" in task.reason and "2020-01-18" in task.reason
    assert task.due_at == run.job.created_at + dt.timedelta(hours=24)
    assert AuditEvent.objects.filter(action="grid_task.create", object_id=str(task.pk)).exists()
    assert AuditEvent.objects.filter(action="screening.finish", object_id=str(run.pk)).exists()


def test_progress_is_reported_by_stage(county, hubei, resident_factory):
    from fangyi.screening.services import screening_run_create

    run = screening_run_create(actor=county, region="430102", as_of=TODAY)
    seen: list[tuple[int, int]] = []
    screening_run_execute(run_id=run.pk, progress=lambda done, total, message: seen.append((done, total)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_execute_is_idempotent_and_later_runs_do_not_duplicate_tasks(
    county, hubei, resident_factory, django_capture_on_commit_callbacks
):
    someone = resident_factory()
    load([record(someone.plain_id_number)])
    first = run_now(county, django_capture_on_commit_callbacks)
    again = screening_run_execute(run_id=first.pk)
    again.refresh_from_db()
    assert again.counts == first.counts and ScreeningHit.objects.filter(run=first).count() == 1
    second = run_now(county, django_capture_on_commit_callbacks)
    assert (second.counts["tasks_created"], second.counts["tasks_existing"]) == (0, 1)
    assert GridTask.objects.filter(person=someone).count() == 1
    assert grid_tasks_create(run=second) == (0, 1)


def test_unmatched_records_are_kept_and_found_after_the_resident_registers(
    county, hubei, new_id_number, django_capture_on_commit_callbacks
):
    number = new_id_number()
    result = load([record(number, "4201", "2020-01-21 10:00")])
    assert result["unmatched"] == 1
    before = run_now(county, django_capture_on_commit_callbacks)
    assert before.counts["persons_screened"] == 0 and before.counts["records_unmatched"] == 1
    person = person_register(actor=None, name="李某", id_number=number, home_region=VILLAGE)
    after = run_now(county, django_capture_on_commit_callbacks)
    assert TravelRecord.objects.get().person_id == person.pk
    assert after.counts["persons_screened"] == 1 and after.counts["records_unmatched"] == 0
    assert ScreeningHit.objects.get(run=after).person_id == person.pk


def test_high_risk_county_spells_are_risk_areas(county, resident_factory, django_capture_on_commit_callbacks):
    rules = RiskRuleSet.objects.first()
    for day in (20, 21, 22):
        CountyRiskLevel.objects.create(
            county_id="430602", date=dt.date(2020, 1, day), level=RiskLevel.HIGH, rule_set=rules, reason="{}"
        )
    CountyRiskLevel.objects.create(
        county_id="430602", date=dt.date(2020, 1, 23), level=RiskLevel.MEDIUM, rule_set=rules, reason="{}"
    )
    inside, after = resident_factory(), resident_factory()
    load(
        [
            record(inside.plain_id_number, "430602001", "2020-01-22 20:00"),
            record(after.plain_id_number, "430602", "2020-01-23 09:00"),
        ]
    )
    run = run_now(county, django_capture_on_commit_callbacks)
    assert [hit.person_id for hit in ScreeningHit.objects.filter(run=run)] == [inside.pk]
    assert run.risk_areas == [
        {
            "area_code": "430602",
            "name": "岳阳楼区",
            "starts_on": "2020-01-20",
            "ends_on": "2020-01-23",
            "source": "county_risk",
        }
    ]


def test_a_county_official_cannot_run_for_another_county(
    other_county, county, django_capture_on_commit_callbacks
):
    with pytest.raises(NotFound):
        screening_run_start(actor=other_county, region="430102", as_of=TODAY)
    with pytest.raises(NotFound):
        screening_run_start(actor=county, region="43", as_of=TODAY)
    assert not ScreeningRun.objects.exists()


def test_a_grid_worker_cannot_run(grid_worker):
    with pytest.raises(PermissionDenied):
        screening_run_start(actor=grid_worker, region=VILLAGE, as_of=TODAY)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"region": "430102001"}, "screening.region_level"),
        ({"region": "4301x"}, "region.invalid_code"),
        ({"as_of": dt.date(2020, 2, 1)}, "screening.as_of_in_future"),
        ({"lookback_days": 0}, "screening.invalid_lookback"),
        ({"lookback_days": 61}, "screening.invalid_lookback"),
        ({"backend": "spark-sql"}, "screening.unknown_backend"),
    ],
)
def test_bad_run_parameters(province, params, code):
    with pytest.raises(DomainError) as refused:
        screening_run_start(actor=province, **{"region": "430102", "as_of": TODAY, **params})
    assert refused.value.code == code
    assert not ScreeningRun.objects.exists()


def test_the_command_runs_as_the_system(hubei, resident_factory):
    someone = resident_factory()
    load([record(someone.plain_id_number)])
    out = io.StringIO()
    call_command(
        "screen", "run", "--region", "430102", "--as-of", "2020-01-31", stdout=out, stderr=io.StringIO()
    )
    run = ScreeningRun.objects.get()
    assert run.created_by is None and run.job.actor is None and run.status == RunStatus.SUCCEEDED
    assert "persons_screened\t1" in out.getvalue() and "tasks_created\t1" in out.getvalue()


# Grid verification -------------------------------------------------------------------------------


@pytest.fixture
def task(county, hubei, grid, resident_factory, django_capture_on_commit_callbacks) -> GridTask:
    someone = resident_factory(grid=grid)
    load([record(someone.plain_id_number, "420106", "2020-01-20 08:30")])
    run = run_now(county, django_capture_on_commit_callbacks)
    return GridTask.objects.get(run=run)


@pytest.mark.parametrize("outcome", [Outcome.LEFT_PROVINCE, Outcome.FALSE_MATCH])
def test_the_grid_worker_closes_a_task(task, grid_worker, outcome):
    done = grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=outcome, note="问过邻居")
    assert (done.status, done.outcome, done.note, done.done_by) == (
        TaskStatus.DONE,
        outcome,
        "问过邻居",
        grid_worker,
    )
    assert done.observation is None and not ObservationPeriod.objects.exists()
    assert AuditEvent.objects.filter(action="grid_task.verify", object_id=str(task.pk)).exists()


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [(Outcome.HOME_OBSERVATION, "home"), (Outcome.HEALTH_MONITORING, "monitoring")],
)
def test_present_opens_an_observation(task, grid_worker, outcome, kind):
    done = grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=outcome)
    period = done.observation
    assert (period.person_id, period.kind, period.source) == (task.person_id, kind, "screening")
    assert period.last_exposure_on == dt.date(2020, 1, 20)
    assert done.status == TaskStatus.DONE


def test_centralised_at_a_site_with_room(task, grid_worker):
    site = Site.objects.create(name="隔离酒店", kind="hotel", region_id="430102", rooms=5)
    done = grid_task_verify(
        actor=grid_worker,
        task_id=task.pk,
        outcome=Outcome.CENTRALISED_OBSERVATION,
        site_id=site.pk,
        room="301",
    )
    assert (done.observation.site_id, done.observation.kind) == (site.pk, "centralised")


def test_centralised_with_a_full_site_writes_nothing(task, grid_worker, resident_factory):
    from fangyi.quarantine.services import observation_start

    site = Site.objects.create(name="隔离酒店", kind="hotel", region_id="430102", rooms=1)
    observation_start(
        actor=None,
        person_id=resident_factory().pk,
        kind="centralised",
        source="contact",
        last_exposure_on=dt.date(2020, 1, 29),
        site_id=site.pk,
    )
    audits = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        grid_task_verify(
            actor=grid_worker, task_id=task.pk, outcome=Outcome.CENTRALISED_OBSERVATION, site_id=site.pk
        )
    assert refused.value.code == "observation.site_full"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.observation is None
    assert ObservationPeriod.objects.filter(person_id=task.person_id).count() == 0
    assert AuditEvent.objects.count() == audits


def test_not_found_escalates_to_the_township_who_closes_it(task, grid_worker, township):
    escalated = grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.NOT_FOUND, note="无人")
    assert escalated.status == TaskStatus.ESCALATED and escalated.escalated_at is not None
    with pytest.raises(DomainError) as refused:
        grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.LEFT_PROVINCE)
    assert (refused.value.code, refused.value.status) == ("grid_task.escalated", 409)
    with pytest.raises(DomainError) as again:
        grid_task_verify(actor=township, task_id=task.pk, outcome=Outcome.NOT_FOUND)
    assert (again.value.code, again.value.status) == ("grid_task.already_escalated", 409)
    done = grid_task_verify(actor=township, task_id=task.pk, outcome=Outcome.LEFT_PROVINCE, note="已赴广东")
    assert (done.status, done.outcome, done.done_by) == (TaskStatus.DONE, Outcome.LEFT_PROVINCE, township)


def test_the_county_can_close_an_escalated_task_as_present(task, grid_worker, county):
    grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.NOT_FOUND)
    done = grid_task_verify(actor=county, task_id=task.pk, outcome=Outcome.HOME_OBSERVATION)
    assert done.status == TaskStatus.DONE and done.observation is not None


def test_a_grid_worker_of_another_village_gets_not_found(task, neighbour_worker, other_county):
    for actor in (neighbour_worker, other_county):
        with pytest.raises(NotFound) as refused:
            grid_task_verify(actor=actor, task_id=task.pk, outcome=Outcome.FALSE_MATCH)
        assert refused.value.code == "grid_task.not_found"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_done_task_is_refused_and_bad_input_too(task, grid_worker):
    with pytest.raises(DomainError) as bad:
        grid_task_verify(actor=grid_worker, task_id=task.pk, outcome="vanished")
    assert bad.value.code == "grid_task.invalid_outcome"
    with pytest.raises(NotFound):
        grid_task_verify(actor=grid_worker, task_id="not-a-uuid", outcome=Outcome.FALSE_MATCH)
    grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.FALSE_MATCH)
    with pytest.raises(DomainError) as done:
        grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.LEFT_PROVINCE)
    assert (done.value.code, done.value.status) == ("grid_task.done", 409)


def test_a_new_task_after_the_last_was_done(task, grid_worker, county, django_capture_on_commit_callbacks):
    grid_task_verify(actor=grid_worker, task_id=task.pk, outcome=Outcome.FALSE_MATCH)
    later = run_now(county, django_capture_on_commit_callbacks)
    assert later.counts["tasks_created"] == 1
