"""Resident pages: the scoped list, detail, the audited reveal, registration and the import pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangyi.accounts.choices import Role
from fangyi.core import pii
from fangyi.core.models import AuditEvent, Job, JobStatus
from fangyi.core.services import job_create
from fangyi.people.models import Person
from fangyi.people.services import person_register

HOME = "430102001001"  # 识字里社区, 芙蓉区
ELSEWHERE = "430103002001"  # 天心区
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def resident(new_id_number):
    return person_register(
        actor=None, name="李四", id_number=new_id_number("430102", "19800101"), home_region=HOME, phone=PHONE
    )


@pytest.fixture
def stranger(new_id_number):
    return person_register(actor=None, name="王五", id_number=new_id_number("430103"), home_region=ELSEWHERE)


# List ----------------------------------------------------------------------------------------------


def test_the_list_shows_only_the_jurisdiction_masked(official, resident, stranger):
    response = client_for(official).get(reverse("people:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李四" in html and "王五" not in html
    assert resident.id_number_masked in html and "138****8000" in html
    assert pii.decrypt(resident.id_number_encrypted) not in html and PHONE not in html
    assert reverse("people:detail", args=[resident.pk]) in html


def test_search_by_name_and_filter_by_region(official, resident, new_id_number):
    other = person_register(
        actor=None, name="赵六", id_number=new_id_number("430102"), home_region="430102002001"
    )
    client = client_for(official)
    html = client.get(reverse("people:list"), {"q": "赵"}).content.decode()
    assert other.name in html and resident.name not in html
    html = client.get(reverse("people:list"), {"region": "430102001"}).content.decode()
    assert resident.name in html and other.name not in html


def test_a_bad_region_code_is_explained_next_to_the_filter(official, resident):
    response = client_for(official).get(reverse("people:list"), {"region": "12x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="region-error"' in html and 'aria-invalid="true"' in html


def test_the_empty_state(official):
    html = client_for(official).get(reverse("people:list")).content.decode()
    assert "empty-state" in html


def test_pagination(official, new_id_number):
    for n in range(51):
        person_register(actor=None, name=f"居民{n:02d}", id_number=new_id_number("430102"), home_region=HOME)
    client = client_for(official)
    first = client.get(reverse("people:list")).content.decode()
    assert 'rel="next"' in first and "居民00" in first and "居民50" not in first
    second = client.get(reverse("people:list"), {"page": 2}).content.decode()
    assert "居民50" in second and 'rel="prev"' in second


def test_htmx_search_gets_only_the_results(official, resident):
    response = client_for(official).get(reverse("people:list"), {"q": "李"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">') and "<html" not in html and "李四" in html


def test_roles_without_people_view_are_refused(make_user):
    response = client_for(make_user(Role.CHECKPOINT_STAFF, "430102")).get(reverse("people:list"))
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("people:list"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


# Detail and reveal ---------------------------------------------------------------------------------


def test_detail_page(official, resident):
    response = client_for(official).get(reverse("people:detail", args=[resident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李四" in html and resident.id_number_masked in html
    assert reverse("people:reveal", args=[resident.pk]) in html  # a county official may reveal


def test_detail_outside_the_jurisdiction_is_not_found(official, stranger):
    assert client_for(official).get(reverse("people:detail", args=[stranger.pk])).status_code == 404


def test_reveal_swaps_in_the_full_number_and_is_audited(official, resident):
    response = client_for(official).post(
        reverse("people:reveal", args=[resident.pk]),
        {"reason": "流调核实身份"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert pii.decrypt(resident.id_number_encrypted) in html and PHONE in html
    assert "<html" not in html  # only the partial
    event = AuditEvent.objects.get(action="person.reveal")
    assert (event.actor, event.reason, event.object_id) == (official, "流调核实身份", str(resident.pk))


def test_reveal_without_a_reason_is_refused_next_to_the_field(official, resident):
    response = client_for(official).post(
        reverse("people:reveal", args=[resident.pk]), {"reason": " "}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'id="reason-error"' in html and pii.decrypt(resident.id_number_encrypted) not in html
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_reveal_without_js_renders_the_page(official, resident):
    response = client_for(official).post(
        reverse("people:reveal", args=[resident.pk]), {"reason": "核实身份信息"}
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode() and PHONE in response.content.decode()


def test_roles_that_may_not_reveal_see_no_form_and_are_refused(make_user, resident):
    township = client_for(make_user(Role.TOWNSHIP_OFFICIAL, "430102001"))
    html = township.get(reverse("people:detail", args=[resident.pk])).content.decode()
    assert reverse("people:reveal", args=[resident.pk]) not in html
    response = township.post(reverse("people:reveal", args=[resident.pk]), {"reason": "只是好奇而已"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


# Registration --------------------------------------------------------------------------------------


def test_register_shows_errors_next_to_the_fields(official):
    response = client_for(official).post(
        reverse("people:register"), {"name": "张三", "id_number": "430102198001010012", "home_region": HOME}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_id_number_error"' in html
    assert Person.objects.count() == 0


def test_register_a_resident(official, new_id_number):
    response = client_for(official).post(
        reverse("people:register"),
        {"name": "张三", "id_number": new_id_number("430102"), "home_region": HOME, "phone": PHONE},
    )
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("people:detail", args=[person.pk])


def test_register_outside_the_jurisdiction_is_an_error_on_the_home(official, new_id_number):
    response = client_for(official).post(
        reverse("people:register"),
        {"name": "张三", "id_number": new_id_number("430103"), "home_region": ELSEWHERE},
    )
    assert response.status_code == 400 and 'id="id_home_region_error"' in response.content.decode()


def test_register_needs_people_manage(make_user):
    assert (
        client_for(make_user(Role.CLINIC_STAFF, "430102")).get(reverse("people:register")).status_code == 403
    )


# Import pages --------------------------------------------------------------------------------------


def test_upload_then_the_job_page_lists_the_row_errors(official, django_capture_on_commit_callbacks):
    content = "姓名,身份证号,村社区代码\n张三,430102198001010012,430102001001\n".encode()
    client = client_for(official)
    assert client.get(reverse("people:import")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import"), {"file": SimpleUploadedFile("名单.csv", content)})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("people:import_job", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert 'id="row-errors"' in html and "id_number.checksum" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    assert "名单.csv" in client.get(reverse("people:import")).content.decode()  # listed as a recent import


def test_a_running_job_page_polls(official):
    job = job_create(actor=official, kind="people.import", region_path="430102", capability="people.view")
    client = client_for(official)
    html = client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html
    partial = client.get(reverse("people:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="job-status"')
    assert job.status == JobStatus.QUEUED


def test_an_empty_upload_is_an_error_next_to_the_file(official):
    response = client_for(official).post(reverse("people:import"), {"file": SimpleUploadedFile("a.csv", b"")})
    assert response.status_code == 400 and "alert--error" in response.content.decode()
    assert not Job.objects.exists()


def test_other_jurisdictions_cannot_see_the_job(official, make_user):
    job = job_create(actor=official, kind="people.import", region_path="430102", capability="people.view")
    other = client_for(make_user(Role.COUNTY_OFFICIAL, "430103"))
    assert other.get(reverse("people:import_job", args=[job.pk])).status_code == 404
    boss = client_for(make_user(Role.PREFECTURE_OFFICIAL, "4301"))
    assert boss.get(reverse("people:import_job", args=[job.pk])).status_code == 200


def test_import_page_needs_people_manage(make_user):
    assert client_for(make_user(Role.LAB_STAFF, "4301")).get(reverse("people:import")).status_code == 403
