"""Background jobs: lifecycle, scoping (own jobs or jobs in the jurisdiction) and the jobs API."""

import uuid

import pytest

from fangyi.accounts.choices import Role
from fangyi.core.errors import NotFound
from fangyi.core.models import AuditEvent, Job, JobStatus
from fangyi.core.selectors import job_get, job_list_own
from fangyi.core.services import job_create, job_finish, job_progress, job_start


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def job(official):
    return job_create(
        actor=official,
        kind="people.import",
        region_path="430102",
        capability="people.view",
        params={"dry_run": True},
        input_name="list.csv",
        input_data=b"name\n",
    )


def test_a_job_runs_through_its_lifecycle(job):
    assert job.status == JobStatus.QUEUED and job.percent == 0
    assert AuditEvent.objects.filter(action="job.create", object_id=str(job.pk)).exists()

    started = job_start(job_id=job.pk)
    assert started is not None and started.status == JobStatus.RUNNING and started.started_at

    job_progress(job_id=job.pk, done=25, total=100)
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (25, 100, 25)

    finished = job_finish(job_id=job.pk, succeeded=True, message="ok", result={"imported": 100})
    assert finished.status == JobStatus.SUCCEEDED and finished.finished
    assert (finished.done, finished.percent, finished.result) == (100, 100, {"imported": 100})
    assert bytes(Job.objects.get(pk=job.pk).input_data) == b""  # the uploaded file is not kept
    assert AuditEvent.objects.filter(action="job.finish", object_id=str(job.pk)).exists()


def test_a_job_is_started_only_once(job):
    assert job_start(job_id=job.pk) is not None
    assert job_start(job_id=job.pk) is None
    assert job_start(job_id=uuid.uuid4()) is None


def test_a_failed_job_says_so(job):
    job_start(job_id=job.pk)
    failed = job_finish(job_id=job.pk, succeeded=False, message="bad")
    assert failed.status == JobStatus.FAILED and failed.finished and failed.message == "bad"


def test_the_actor_sees_their_own_job(official, job):
    assert job_get(actor=official, job_id=job.pk) == job
    assert list(job_list_own(actor=official)) == [job]


@pytest.mark.parametrize(
    ("role", "region"),
    [(Role.PREFECTURE_OFFICIAL, "4301"), (Role.PROVINCIAL_COMMAND, "43"), (Role.GRID_WORKER, "430102001001")],
)
def test_the_jurisdiction_sees_the_job(make_user, job, role, region):
    """Holding the job's capability at or above its region is enough (a village is below it: no)."""
    viewer = make_user(role, region)
    if len(region) <= len(job.region_path):
        assert job_get(actor=viewer, job_id=job.pk) == job
    else:
        with pytest.raises(NotFound):
            job_get(actor=viewer, job_id=job.pk)


@pytest.mark.parametrize(
    ("role", "region"), [(Role.COUNTY_OFFICIAL, "430103"), (Role.CHECKPOINT_STAFF, "430102")]
)
def test_others_get_not_found(make_user, job, role, region):
    outsider = make_user(role, region)
    with pytest.raises(NotFound) as caught:
        job_get(actor=outsider, job_id=job.pk)
    assert caught.value.code == "job.not_found"
    assert list(job_list_own(actor=outsider)) == []


@pytest.mark.parametrize("job_id", [uuid.uuid4(), "not-a-uuid", None])
def test_unknown_jobs_are_not_found(official, job_id):
    with pytest.raises(NotFound):
        job_get(actor=official, job_id=job_id)


def test_api_shows_the_job(api_client, bearer, official, job):
    job_start(job_id=job.pk)
    job_progress(job_id=job.pk, done=3, total=4)
    response = api_client.get(f"/jobs/{job.pk}", headers=bearer(official))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(job.pk)
    assert (body["kind"], body["status"], body["done"], body["total"], body["percent"]) == (
        "people.import",
        "running",
        3,
        4,
        75,
    )


def test_api_hides_other_jurisdictions_jobs(api_client, bearer, make_user, job):
    response = api_client.get(f"/jobs/{job.pk}", headers=bearer(make_user(Role.COUNTY_OFFICIAL, "430103")))
    assert response.status_code == 404
    assert response.json()["code"] == "job.not_found"


def test_api_needs_a_login(api_client, job):
    assert api_client.get(f"/jobs/{job.pk}").status_code == 401


def test_api_rejects_a_malformed_id(api_client, bearer, official):
    assert api_client.get("/jobs/12", headers=bearer(official)).status_code in {404, 422}
