"""A finished screening run as the tests of the API, the pages and the browser read it: runs, hits,
tallies and grid tasks written as a run leaves them (the run itself is the services' business)."""

import datetime as dt
from types import SimpleNamespace

from fangyi.accounts.choices import Role
from fangyi.core.models import Job, JobStatus
from fangyi.people.services import person_register
from fangyi.quarantine.models import Site
from fangyi.screening.choices import RunStatus
from fangyi.screening.models import GridTask, ScreeningHit, ScreeningRun, ScreeningTally

VILLAGE = "430102001001"  # 芙蓉区 (430102), Changsha
NEIGHBOUR_VILLAGE = "430102001002"  # same township
OTHER_VILLAGE = "430103002001"  # 天心区 (430103), next door
NOW = dt.datetime(2020, 2, 1, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
SEEN = dt.datetime(2020, 1, 25, 1, 30, tzinfo=dt.UTC)


def make_run(
    *, region: str = "43", status: str = RunStatus.SUCCEEDED, done: int = 5, total: int = 5
) -> ScreeningRun:
    job = Job.objects.create(
        kind="screening.run",
        status=JobStatus.SUCCEEDED if status == RunStatus.SUCCEEDED else JobStatus.RUNNING,
        done=done,
        total=total,
        region_path=region,
        capability="screening.view",
    )
    return ScreeningRun.objects.create(
        job=job,
        region_id=region,
        as_of=dt.date(2020, 2, 1),
        lookback_days=14,
        backend="duckdb",
        status=status,
        risk_areas=[
            {
                "area_code": "4201",
                "name": "武汉市",
                "starts_on": "2020-01-10",
                "ends_on": None,
                "source": "list",
            }
        ],
        counts={"records_scanned": 10, "records_unmatched": 1, "persons_screened": 3, "tasks_created": 3},
        finished_at=NOW if status == RunStatus.SUCCEEDED else None,
    )


def build_world(make_user, new_id_number) -> SimpleNamespace:
    """A finished province run that found three residents: two in 芙蓉区 (one overdue), one in 天心区;
    a site in 芙蓉区, and users of every role the tests need."""
    run = make_run()
    people, tasks = [], []
    for name, village, due in (
        ("张伟", VILLAGE, NOW + dt.timedelta(hours=12)),
        ("王芳", NEIGHBOUR_VILLAGE, NOW - dt.timedelta(hours=3)),
        ("李娜", OTHER_VILLAGE, NOW + dt.timedelta(hours=12)),
    ):
        person = person_register(
            actor=None,
            name=name,
            id_number=new_id_number(village[:6]),
            home_region=village,
            phone="13812345678",
            address=f"{name}家 1 号",
        )
        ScreeningHit.objects.create(
            run=run,
            person=person,
            home_region_id=village,
            area_code="420106",
            first_seen=SEEN - dt.timedelta(days=2),
            last_seen=SEEN,
            records=2,
        )
        people.append(person)
        tasks.append(
            GridTask.objects.create(
                run=run, person=person, region_id=village, reason="武汉市 2020-01-25", due_at=due
            )
        )
    for level, code, persons in (
        ("prefecture", "4301", 3),
        ("county", "430102", 2),
        ("county", "430103", 1),
        ("village", VILLAGE, 1),
    ):
        ScreeningTally.objects.create(run=run, level=level, code=code, persons=persons)
    site = Site.objects.create(name="芙蓉宾馆", kind="hotel", region_id="430102", rooms=20)
    return SimpleNamespace(
        run=run,
        people=people,
        tasks=tasks,
        site=site,
        county=make_user(Role.COUNTY_OFFICIAL, "430102", username="county-s"),
        township=make_user(Role.TOWNSHIP_OFFICIAL, "430102001", username="township-s"),
        worker=make_user(Role.GRID_WORKER, VILLAGE, username="worker-s"),
        province=make_user(Role.PROVINCIAL_COMMAND, "43", username="province-s"),
        outsider=make_user(Role.COUNTY_OFFICIAL, "430103", username="outsider-s"),
        lab=make_user(Role.LAB_STAFF, "430102", username="lab-s"),
    )
