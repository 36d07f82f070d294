"""The sample pages (list, pools, shipping, re-tests, a sample's timeline) and the lab bench
(receipt, result entry, the results upload as a job); refusals on the forms; who may use them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent, Job
from fangyi.labs import services
from fangyi.labs.choices import SampleStatus
from fangyi.labs.models import Laboratory, RetestTask, Sample
from fangyi.people.services import person_register
from fangyi.regions.models import Place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG_VILLAGE = "430102001001"
SAMPLES = "/labs/samples/"
BENCH = "/labs/bench/"


@pytest.fixture(autouse=True)
def frozen_2020():
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 1, 2, tzinfo=dt.UTC)):
        yield


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


@pytest.fixture
def clinic(db):
    return Place.objects.create(name="芙蓉区发热门诊", kind="fever_clinic", region_id="430102001")


@pytest.fixture
def lab(db):
    place = Place.objects.create(name="芙蓉区检测实验室", kind="lab", region_id="430102001")
    return Laboratory.objects.create(place=place, daily_capacity=2)


@pytest.fixture
def staff(make_user):
    return make_user(Role.CLINIC_STAFF, "430102")


@pytest.fixture
def tech(make_user):
    return make_user(Role.LAB_STAFF, "430102")


@pytest.fixture
def collect(staff, clinic, new_id_number):
    """collect(barcode): a swab of a new resident of 芙蓉区 taken at the clinic."""

    def make(barcode: str) -> Sample:
        person = person_register(
            actor=None,
            name=f"居民{barcode[-2:]}",
            id_number=new_id_number("430102"),
            home_region=FURONG_VILLAGE,
        )
        return services.sample_collect(actor=staff, place_id=clinic.pk, person_id=person.pk, barcode=barcode)

    return make


def received(staff, tech, lab, *barcodes) -> None:
    services.samples_ship(actor=staff, lab_id=lab.pk, barcodes=list(barcodes))
    services.samples_receive(actor=tech, lab_id=lab.pk, barcodes=list(barcodes))


def state() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        *Sample.objects.order_by("barcode").values_list("barcode", "status", "pool"),
    )


# Samples ---------------------------------------------------------------------------------------


def test_the_sample_list_searches_by_barcode_with_status_badges(staff, collect):
    collect("HN-0001")
    collect("HN-0002")
    client = signed_in(staff)
    html = client.get(SAMPLES).content.decode()
    assert "HN-0001" in html and "HN-0002" in html and 'data-status="collected"' in html
    found = client.get(SAMPLES, {"query": "hn-0002"}).content.decode()
    assert "HN-0002" in found and "HN-0001" not in found
    empty = client.get(SAMPLES, {"status": "reported"}).content.decode()
    assert "No sample in your jurisdiction matches this search." in empty


def test_a_pool_is_built_from_scanned_members(staff, clinic, collect):
    for n in range(1, 4):
        collect(f"HN-000{n}")
    response = signed_in(staff).post(
        reverse("labs:pool_create"),
        {
            "place_id": clinic.pk,
            "barcode": "POOL-01",
            "size": 5,
            "member_barcodes": "HN-0001\nHN-0002\r\nHN-0003\n",
        },
    )
    assert response.status_code == 302
    pool = Sample.objects.get(barcode="POOL-01")
    assert set(pool.members.values_list("barcode", flat=True)) == {"HN-0001", "HN-0002", "HN-0003"}


def test_a_pool_too_large_shows_the_error_and_writes_nothing(staff, clinic, collect):
    for n in range(1, 7):
        collect(f"HN-000{n}")
    before = state()
    members = "\n".join(f"HN-000{n}" for n in range(1, 7))
    response = signed_in(staff).post(
        reverse("labs:pool_create"),
        {"place_id": clinic.pk, "barcode": "POOL-01", "size": 5, "member_barcodes": members},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A pool of 5 holds at most 5 samples." in html and 'id="id_pool_member_barcodes_error"' in html
    assert state() == before


def test_a_pool_size_outside_the_settings_is_refused(staff, clinic, collect):
    collect("HN-0001")
    response = signed_in(staff).post(
        reverse("labs:pool_create"),
        {"place_id": clinic.pk, "barcode": "POOL-01", "size": 7, "member_barcodes": "HN-0001"},
    )
    assert response.status_code == 400
    assert 'id="id_pool_size_error"' in response.content.decode()
    assert not Sample.objects.filter(barcode="POOL-01").exists()


def test_samples_are_shipped_and_an_unknown_barcode_is_named(staff, lab, collect):
    collect("HN-0001")
    client = signed_in(staff)
    before = state()
    refused = client.post(reverse("labs:samples_ship"), {"lab_id": lab.pk, "barcodes": "HN-0001\nHN-9999"})
    assert refused.status_code == 400
    assert "No sample has the barcode HN-9999." in refused.content.decode()
    assert state() == before
    done = client.post(reverse("labs:samples_ship"), {"lab_id": lab.pk, "barcodes": "HN-0001"})
    assert done.status_code == 302
    assert Sample.objects.get(barcode="HN-0001").status == SampleStatus.SHIPPED


def test_a_positive_pools_members_are_re_sampled_from_the_list(staff, tech, clinic, lab, collect):
    collect("HN-0001")
    collect("HN-0002")
    services.pool_create(
        actor=staff, place_id=clinic.pk, barcode="POOL-01", size=5, member_barcodes=["HN-0001", "HN-0002"]
    )
    received(staff, tech, lab, "POOL-01")
    services.sample_report(actor=tech, barcode="POOL-01", result="positive", ct_value="30.0", operator="王工")
    client = signed_in(staff)
    html = client.get(SAMPLES).content.decode()
    assert 'id="retests"' in html
    task = RetestTask.objects.get(sample__barcode="HN-0001")
    url = reverse("labs:retest_collect", args=[task.pk])
    reused = client.post(url, {"place_id": clinic.pk, "barcode": "HN-0002"})
    assert reused.status_code == 409 and "The barcode HN-0002 is already used." in reused.content.decode()
    assert client.post(url, {"place_id": clinic.pk, "barcode": "HN-0101"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and Sample.objects.get(barcode="HN-0101").retest_of_id == task.pk


def test_a_samples_page_shows_its_timeline_and_turnaround(staff, tech, lab, collect):
    collect("HN-0001")
    received(staff, tech, lab, "HN-0001")
    services.sample_report(actor=tech, barcode="HN-0001", result="negative", operator="王工")
    html = signed_in(staff).get(reverse("labs:sample_detail", args=["HN-0001"])).content.decode()
    assert 'id="timeline"' in html and "芙蓉区检测实验室" in html and "Negative" in html
    assert "reported the same day" in html


def test_the_sample_pages_need_a_labs_capability_and_hide_other_counties(make_user, collect):
    collect("HN-0001")
    checkpoint = make_user(Role.CHECKPOINT_STAFF, "430102")
    assert signed_in(checkpoint).get(SAMPLES).status_code == 403
    stranger = make_user(Role.CLINIC_STAFF, "430103")
    assert signed_in(stranger).get(reverse("labs:sample_detail", args=["HN-0001"])).status_code == 404
    assert "HN-0001" not in signed_in(stranger).get(SAMPLES).content.decode()


def test_only_clinic_staff_pool_and_ship(tech, clinic, lab, collect):
    collect("HN-0001")
    client = signed_in(tech)
    assert 'id="id_pool_barcode"' not in client.get(SAMPLES).content.decode()
    assert (
        client.post(reverse("labs:samples_ship"), {"lab_id": lab.pk, "barcodes": "HN-0001"}).status_code
        == 403
    )
    assert Sample.objects.get().status == SampleStatus.COLLECTED


# Lab bench -------------------------------------------------------------------------------------


def test_the_bench_shows_backlog_against_capacity(staff, tech, lab, collect):
    for n in range(1, 4):
        collect(f"HN-000{n}")
    services.samples_ship(actor=staff, lab_id=lab.pk, barcodes=["HN-0001", "HN-0002", "HN-0003"])
    response = signed_in(tech).get(BENCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="backlog">3<' in html and 'data-kpi="capacity">2<' in html
    assert (
        "the backlog exceeds a day&#x27;s capacity" in html or "the backlog exceeds a day's capacity" in html
    )
    assert 'name="barcodes"' in html and "autofocus" in html


def test_samples_are_received_one_scan_at_a_time(staff, tech, lab, collect):
    collect("HN-0001")
    services.samples_ship(actor=staff, lab_id=lab.pk, barcodes=["HN-0001"])
    response = signed_in(tech).post(reverse("labs:bench_receive"), {"lab_id": lab.pk, "barcodes": "hn-0001"})
    assert response.status_code == 302 and response.url == f"{BENCH}?lab={lab.pk}"
    assert Sample.objects.get().status == SampleStatus.RECEIVED


def test_receiving_an_unknown_barcode_names_it(tech, lab):
    response = signed_in(tech).post(reverse("labs:bench_receive"), {"lab_id": lab.pk, "barcodes": "HN-7777"})
    assert response.status_code == 400
    assert "No sample has the barcode HN-7777." in response.content.decode()


def test_a_result_is_entered_on_the_bench(staff, tech, lab, collect):
    collect("HN-0001")
    received(staff, tech, lab, "HN-0001")
    response = signed_in(tech).post(
        reverse("labs:bench_result"),
        {"barcode": "HN-0001", "result": "positive", "ct_value": "28.5", "operator": "王工", "lab": lab.pk},
    )
    assert response.status_code == 302
    sample = Sample.objects.get()
    assert (sample.status, sample.result, str(sample.ct_value)) == ("reported", "positive", "28.5")


def test_a_result_for_a_sample_not_received_is_refused(staff, tech, lab, collect):
    collect("HN-0001")
    services.samples_ship(actor=staff, lab_id=lab.pk, barcodes=["HN-0001"])
    before = state()
    response = signed_in(tech).post(
        reverse("labs:bench_result"),
        {"barcode": "HN-0001", "result": "negative", "operator": "王工", "lab": lab.pk},
    )
    assert response.status_code == 409
    assert 'id="id_result_barcode_error"' in response.content.decode()
    assert state() == before


def test_a_positive_without_ct_is_refused(staff, tech, lab, collect):
    collect("HN-0001")
    received(staff, tech, lab, "HN-0001")
    response = signed_in(tech).post(
        reverse("labs:bench_result"),
        {"barcode": "HN-0001", "result": "positive", "operator": "王工", "lab": lab.pk},
    )
    assert response.status_code == 400
    assert 'id="id_result_ct_value_error"' in response.content.decode()
    assert Sample.objects.get().status == SampleStatus.RECEIVED


def test_an_upload_reports_the_good_rows_and_lists_the_bad_one(
    staff, tech, lab, collect, django_capture_on_commit_callbacks
):
    collect("HN-0001")
    received(staff, tech, lab, "HN-0001")
    content = "barcode,result,ct_value,operator\nHN-0001,negative,,王工\nHN-0404,negative,,王工\n".encode()
    client = signed_in(tech)
    assert 'id="id_lab_id"' in client.get(reverse("labs:results_import")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("labs:results_import"),
            {"lab_id": lab.pk, "file": SimpleUploadedFile("results.csv", content, content_type="text/csv")},
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("labs:results_import_job", args=[job.pk])
    html = client.get(response.url).content.decode()
    assert 'id="row-errors"' in html and "HN-0404" in html
    assert Sample.objects.get(barcode="HN-0001").status == SampleStatus.REPORTED


def test_an_empty_upload_is_refused_on_the_file(tech, lab):
    response = signed_in(tech).post(
        reverse("labs:results_import"),
        {"lab_id": lab.pk, "file": SimpleUploadedFile("results.csv", b"", content_type="text/csv")},
    )
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_the_bench_needs_the_results_capability(make_user, lab):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    client = signed_in(official)
    assert client.get(BENCH).status_code == 403
    assert (
        client.post(reverse("labs:bench_receive"), {"lab_id": lab.pk, "barcodes": "HN-0001"}).status_code
        == 403
    )
    assert client.get(reverse("labs:results_import")).status_code == 403


def test_a_lab_of_another_county_is_not_offered(make_user, lab):
    stranger = make_user(Role.LAB_STAFF, "430103")
    html = signed_in(stranger).get(BENCH).content.decode()
    assert "No testing lab is registered in your jurisdiction." in html
    response = signed_in(stranger).post(
        reverse("labs:bench_receive"), {"lab_id": lab.pk, "barcodes": "HN-0001"}
    )
    assert response.status_code == 404
