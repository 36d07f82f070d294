"""Importing resident lists: validation by line, all-or-nothing, dry runs, files, jobs, API and CLI."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from fangyi.accounts.choices import Role
from fangyi.core.errors import PermissionDenied
from fangyi.core.models import AuditEvent, Job, JobStatus
from fangyi.people.errors import PeopleError
from fangyi.people.imports import ImportRow, rows_from_file
from fangyi.people.models import Person
from fangyi.people.services import people_import, people_import_run, people_import_submit, person_register

HOME = "430102001001"  # 识字里社区, 芙蓉区
HOME_2 = "430102001002"
ELSEWHERE = "430103002001"  # 天心区: outside a 芙蓉区 official's jurisdiction
ZH_HEADER = ["姓名", "身份证号", "手机号", "村社区代码", "地址"]
EN_HEADER = ["name", "id_number", "phone", "home_region", "address"]


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run at once, in the test's transaction (on commit, which the tests capture)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


def csv_bytes(rows, header=ZH_HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=ZH_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_rows(rows) -> list[ImportRow]:
    """Rows as the parser gives them: line 1 is the header."""
    return [
        ImportRow(
            line=number,
            values=dict(zip(["name", "id_number", "phone", "home_region", "address"], row, strict=True)),
        )
        for number, row in enumerate(rows, start=2)
    ]


@pytest.fixture
def good_rows(new_id_number):
    return [
        ["张三", new_id_number("430102", "19800101"), "13800138000", HOME, "识字里1栋"],
        ["李四", new_id_number("430103", "19900202", sex="F"), "", HOME_2, ""],
        ["王五", new_id_number("430181", "20010303"), "+86 139 0013 9000", HOME, "识字里2栋"],
    ]


# The service ---------------------------------------------------------------------------------------


def test_a_good_list_is_imported(official, good_rows):
    result = people_import(actor=official, rows=as_rows(good_rows), dry_run=False)
    assert result["errors"] == []
    assert (result["total"], result["valid"], result["imported"]) == (3, 3, 3)
    people = {p.name: p for p in Person.objects.all()}
    assert set(people) == {"张三", "李四", "王五"}
    assert people["张三"].home_region_id == HOME and people["张三"].phone_masked == "138****8000"
    assert not any(p.synthetic for p in people.values())
    assert AuditEvent.objects.filter(action="person.register", actor=official).count() == 3


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(official, good_rows, new_id_number):
    bad_checksum = good_rows[0][1][:17] + ("0" if good_rows[0][1][17] != "0" else "1")
    rows = [
        good_rows[0],
        ["", new_id_number(), "", HOME, ""],  # line 3: no name
        ["赵六", bad_checksum, "", HOME, ""],  # line 4
        ["钱七", new_id_number(), "12345", HOME, ""],  # line 5: bad phone
        ["孙八", new_id_number(), "", "430102001999", ""],  # line 6: no such village
        ["周九", new_id_number(), "", "430102001", ""],  # line 7: a township, not a village
        ["吴十", new_id_number("430103"), "", ELSEWHERE, ""],  # line 8: outside the jurisdiction
        good_rows[1],
    ]
    result = people_import(actor=official, rows=as_rows(rows), dry_run=False)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [
        (3, "person.name_required"),
        (4, "id_number.checksum"),
        (5, "phone.invalid"),
        (6, "region.not_found"),
        (7, "person.home_not_village"),
        (8, "region.not_found"),
    ]
    assert all(error["message"] for error in result["errors"])
    assert result["errors"][1]["field"] == "id_number"
    assert (result["total"], result["valid"], result["invalid"], result["imported"]) == (8, 2, 6, 0)
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="person.register").exists()


def test_duplicates_in_the_file_and_in_the_database_are_errors(official, good_rows, new_id_number):
    registered = new_id_number("430102", "19700707")
    person_register(actor=None, name="老住户", id_number=registered, home_region=HOME)
    rows = [
        good_rows[0],
        good_rows[1],
        [good_rows[0][0], good_rows[0][1], "", HOME, ""],
        ["新人", registered, "", HOME, ""],
    ]
    result = people_import(actor=official, rows=as_rows(rows), dry_run=False)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [
        (4, "person.duplicate_in_file"),
        (5, "person.duplicate"),
    ]
    assert "2" in result["errors"][0]["message"]  # points at the first occurrence, line 2
    assert Person.objects.count() == 1


def test_a_dry_run_writes_nothing(official, good_rows):
    before = AuditEvent.objects.count()
    result = people_import(actor=official, rows=as_rows(good_rows), dry_run=True)
    assert (result["valid"], result["imported"], result["dry_run"]) == (3, 0, True)
    assert Person.objects.count() == 0 and AuditEvent.objects.count() == before


def test_partial_mode_imports_the_good_rows(official, good_rows):
    rows = [good_rows[0], ["", "430102198001010011", "", HOME, ""], good_rows[2]]
    result = people_import(actor=official, rows=as_rows(rows), dry_run=False, partial=True)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(3, "person.name_required")]
    assert result["imported"] == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "王五"}


def test_progress_is_reported(official, good_rows):
    calls = []
    people_import(
        actor=official, rows=as_rows(good_rows), dry_run=True, progress=lambda *a: calls.append(a[:2])
    )
    assert calls[-1] == (3, 3)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_importing_needs_people_manage(make_user, good_rows):
    with pytest.raises(PermissionDenied):
        people_import(actor=make_user(Role.CLINIC_STAFF, "430102"), rows=as_rows(good_rows), dry_run=True)


# Files ---------------------------------------------------------------------------------------------


def test_csv_with_bom_and_english_headers(good_rows):
    content = b"\xef\xbb\xbf" + csv_bytes(good_rows, header=EN_HEADER)
    rows = rows_from_file(name="list.csv", content=content)
    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[0].values["name"] == "张三" and rows[0].values["home_region"] == HOME


def test_gb18030_csv_with_chinese_headers_and_blank_lines(official, good_rows):
    content = (
        csv_bytes(good_rows[:1], encoding="gb18030")
        + b"\r\n"
        + csv_bytes(good_rows[1:], encoding="gb18030").split(b"\r\n", 1)[1]
    )
    rows = rows_from_file(name="名单.csv", content=content)
    assert [row.line for row in rows] == [2, 4, 5]  # line 3 is blank and skipped, numbering kept
    assert [row.values["name"] for row in rows] == ["张三", "李四", "王五"]
    assert people_import(actor=official, rows=rows, dry_run=False)["imported"] == 3


def test_excel_with_numeric_cells(official, good_rows):
    # Codes and phones typed into Excel arrive as numbers.
    numeric = [
        [name, number, int(phone) if phone.isdigit() else phone, int(home), addr]
        for name, number, phone, home, addr in good_rows
    ]
    rows = rows_from_file(name="名单.xlsx", content=xlsx_bytes(numeric))
    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[0].values["phone"] == "13800138000" and rows[0].values["home_region"] == HOME
    assert people_import(actor=official, rows=rows, dry_run=False)["imported"] == 3


def test_tab_separated_text(good_rows):
    text = "\n".join("\t".join(row) for row in [ZH_HEADER, *good_rows]).encode()
    assert len(rows_from_file(name="list.txt", content=text)) == 3


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "import.empty"),
        (b"\n\n", "import.empty"),
        ("姓名,手机号\n张三,13800138000\n".encode(), "import.missing_columns"),
        ("姓名,身份证号,村社区代码\n".encode(), "import.no_rows"),
        (b"PK\x03\x04not really a workbook", "import.unreadable"),
        (b"\x00\x01\x02\xff\xfe" * 10, "import.unreadable"),
    ],
)
def test_unusable_files_are_refused_whole(content, code):
    with pytest.raises(PeopleError) as caught:
        rows_from_file(name="list.csv", content=content)
    assert caught.value.code == code


# Jobs ----------------------------------------------------------------------------------------------


def submit(actor, content, *, name="list.csv", dry_run=False, partial=False, capture=None):
    with capture(execute=True):
        job = people_import_submit(
            actor=actor, file_name=name, content=content, dry_run=dry_run, partial=partial
        )
    job.refresh_from_db()
    return job


def test_an_import_job_runs_in_the_background(official, good_rows, django_capture_on_commit_callbacks):
    job = submit(official, csv_bytes(good_rows), capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result["imported"] == 3 and job.result["errors"] == []
    assert job.actor == official and job.region_path == "430102" and job.kind == "people.import"
    assert bytes(job.input_data) == b""
    assert Person.objects.count() == 3


def test_a_failed_import_job_lists_the_row_errors(official, good_rows, django_capture_on_commit_callbacks):
    rows = [*good_rows, ["", "x", "", HOME, ""]]
    job = submit(official, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == [(5, "person.name_required")]
    assert job.result["imported"] == 0 and Person.objects.count() == 0
    assert "1" in job.message


def test_a_dry_run_job_succeeds_and_writes_nothing(official, good_rows, django_capture_on_commit_callbacks):
    job = submit(
        official,
        xlsx_bytes(good_rows),
        name="a.xlsx",
        dry_run=True,
        capture=django_capture_on_commit_callbacks,
    )
    assert job.status == JobStatus.SUCCEEDED and job.result["dry_run"] and job.result["valid"] == 3
    assert Person.objects.count() == 0


def test_an_unreadable_file_fails_the_job(official, django_capture_on_commit_callbacks):
    job = submit(official, "姓名\n张三\n".encode(), capture=django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.result["errors"][0]["code"] == "import.missing_columns"


def test_running_a_job_twice_does_nothing_more(official, good_rows, django_capture_on_commit_callbacks):
    job = submit(official, csv_bytes(good_rows), capture=django_capture_on_commit_callbacks)
    assert people_import_run(job_id=job.pk) is None
    assert Person.objects.count() == 3


def test_an_empty_upload_is_refused_at_once(official):
    with pytest.raises(PeopleError) as caught:
        people_import_submit(actor=official, file_name="x.csv", content=b"", dry_run=False)
    assert caught.value.code == "import.empty"
    assert not Job.objects.exists()


# API -------------------------------------------------------------------------------------------------


def upload(content, name="list.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_api_import_then_poll_the_job(
    api_client, bearer, official, good_rows, django_capture_on_commit_callbacks
):
    headers = bearer(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/people/imports", data={"dry_run": "false"}, FILES=upload(csv_bytes(good_rows)), headers=headers
        )
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response.json()["url"] == f"/api/v1/jobs/{job_id}"
    job = api_client.get(f"/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "succeeded" and job["result"]["imported"] == 3
    assert Person.objects.count() == 3


def test_api_import_reports_row_errors(
    api_client, bearer, official, good_rows, django_capture_on_commit_callbacks
):
    headers = bearer(official)
    rows = [good_rows[0], ["李四", "123", "", HOME, ""]]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/people/imports", FILES=upload(csv_bytes(rows)), headers=headers)
    job = api_client.get(f"/jobs/{response.json()['id']}", headers=headers).json()
    assert job["status"] == "failed"
    assert job["result"]["errors"] == [
        {
            "line": 3,
            "code": "id_number.format",
            "message": job["result"]["errors"][0]["message"],
            "field": "id_number",
        }
    ]


def test_api_dry_run_flag(api_client, bearer, official, good_rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/people/imports",
            data={"dry_run": "true"},
            FILES=upload(csv_bytes(good_rows)),
            headers=bearer(official),
        )
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).params == {"dry_run": True, "partial": False}
    assert Person.objects.count() == 0


def test_api_refuses_roles_without_people_manage(api_client, bearer, make_user, good_rows):
    response = api_client.post(
        "/people/imports",
        FILES=upload(csv_bytes(good_rows)),
        headers=bearer(make_user(Role.LAB_STAFF, "4301")),
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Job.objects.exists()


def test_api_refuses_an_empty_file(api_client, bearer, official):
    response = api_client.post("/people/imports", FILES=upload(b""), headers=bearer(official))
    assert response.status_code == 400 and response.json()["code"] == "import.empty"


def test_api_needs_a_file_and_a_login(api_client, bearer, official, good_rows):
    assert api_client.post("/people/imports", headers=bearer(official)).status_code == 422
    assert api_client.post("/people/imports", FILES=upload(csv_bytes(good_rows))).status_code == 401


# CLI -------------------------------------------------------------------------------------------------


def test_cli_imports_a_file(tmp_path, official, good_rows, capsys):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes(good_rows, encoding="gb18030"))
    call_command("import_people", str(path), "--as", official.username)
    out, err = capsys.readouterr()
    assert Person.objects.count() == 3
    assert "3" in out and "3/3" in err  # the summary, and the progress line on stderr


def test_cli_dry_run_and_errors(tmp_path, official, good_rows, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([*good_rows, ["", "1", "", HOME, ""]]))
    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--as", official.username)
    out, _err = capsys.readouterr()
    assert "5" in out and "person.name_required" in out
    assert Person.objects.count() == 0

    call_command("import_people", str(path), "--as", official.username, "--dry-run", "--partial")
    assert Person.objects.count() == 0
    call_command("import_people", str(path), "--as", official.username, "--partial")
    assert Person.objects.count() == 3


def test_cli_refuses_unknown_users_and_files(tmp_path, official):
    with pytest.raises(CommandError):
        call_command("import_people", str(tmp_path / "missing.csv"), "--as", official.username)
    path = tmp_path / "list.csv"
    path.write_bytes(b"x")
    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--as", "nobody")


def test_rows_outside_the_jurisdiction_learn_nothing(official, new_id_number):
    """A number registered in another county gives "no such region", not "already registered"."""
    number = new_id_number("430103")
    person_register(actor=None, name="王五", id_number=number, home_region=ELSEWHERE)
    result = people_import(actor=official, rows=as_rows([["王五", number, "", ELSEWHERE, ""]]), dry_run=True)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(2, "region.not_found")]
