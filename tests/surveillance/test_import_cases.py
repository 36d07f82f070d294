import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import Job, JobStatus
from fangyi.people.imports import ImportRow
from fangyi.people.models import Person
from fangyi.people.services import person_register
from fangyi.regions.models import Region
from fangyi.surveillance.choices import Classification, Origin, Outcome, Severity
from fangyi.surveillance.imports import case_rows_from_file
from fangyi.surveillance.models import Case, CaseEvent
from fangyi.surveillance.selectors import report_on
from fangyi.surveillance.services import cases_import, cases_import_run, cases_import_submit

D = dt.date
VILLAGE = "430102001001"
HEADER_ZH = (
    "编号,身份证号,姓名,分类,发病日期,报告日期,确诊日期,"
    "现住址代码,报告单位,输入/本地,来源地,临床分型,转归,转归日期"
)
HEADER_EN = (
    "external_id,id_number,name,classification,onset_date,report_date,confirmed_date,residence,"
    "reporting_unit,origin,source_area,severity,outcome,outcome_date"
)


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102", username="furong")


@pytest.fixture
def numbers(new_id_number):
    return [new_id_number() for _i in range(6)]


def good_lines(numbers):
    return [
        f"L-001,{numbers[0]},张三,确诊病例,2020-01-18,2020-01-21,2020-01-22,{VILLAGE},省人民医院,输入,武汉市,重型,治愈,2020-02-10",
        f"L-002,{numbers[1]},李四,确诊,2020/1/20,2020/1/23,2020/1/24,{VILLAGE},省人民医院,本地,,普通型,,",
        f"L-003,{numbers[2]},王五,疑似病例,2020-01-25,2020-01-26,,{VILLAGE},省人民医院,本地,,,,",
        f"L-004,{numbers[3]},赵六,无症状感染者,,2020年1月27日,,{VILLAGE},省人民医院,本地,,,,",
    ]


def csv_bytes(lines, header=HEADER_ZH, encoding="utf-8"):
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def run(actor, content, *, name="cases.csv", dry_run=False):
    return cases_import(actor=actor, rows=case_rows_from_file(name=name, content=content), dry_run=dry_run)


def test_a_good_file_imports_every_case_and_refreshes_the_reports(official, numbers):
    result = run(official, csv_bytes(good_lines(numbers)))
    assert result["errors"] == [] and result["imported"] == 4
    first = Case.objects.get(external_id="L-001")
    assert first.classification == Classification.CONFIRMED
    assert (first.origin, first.source_area, first.severity) == (Origin.IMPORTED, "武汉市", Severity.SEVERE)
    assert (first.outcome, first.outcome_date) == (Outcome.CURED, D(2020, 2, 10))
    assert list(CaseEvent.objects.filter(case=first).values_list("kind", flat=True)) == [
        "reported",
        "confirmed",
        "severity",
        "cured",
    ]
    assert Case.objects.get(external_id="L-004").classification == Classification.ASYMPTOMATIC
    assert Person.objects.filter(name="张三").count() == 1  # registered from the row
    figures = report_on(region=Region.objects.get(code="43"), date=D(2020, 1, 31))
    assert figures.confirmed_cumulative == 2 and figures.suspected_pending == 1


def test_english_headers_and_an_already_registered_resident(official, numbers):
    existing = person_register(actor=None, name="周某", id_number=numbers[4], home_region=VILLAGE)
    line = f"E-1,{numbers[4]},,confirmed,,2020-02-01,2020-02-02,430102,Furong CDC,local,,,,"
    result = run(official, csv_bytes([line], header=HEADER_EN))
    assert result["errors"] == []
    case = Case.objects.get(external_id="E-1")
    assert case.person_id == existing.pk and case.residence_id == "430102"


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,2020-02-30,{v},医院,本地,,,,",
            "confirmed_date",
            "import.invalid_date",
        ),
        (
            "B-1,{n},甲,可能,2020-01-20,2020-01-22,,{v},医院,本地,,,,",
            "classification",
            "import.invalid_value",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,,{v},医院,本地,,,,",
            "confirmed_date",
            "import.value_required",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-25,2020-01-22,2020-01-23,{v},医院,本地,,,,",
            "onset_date",
            "case.dates_out_of_order",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,2020-01-21,{v},医院,本地,,,,",
            "date",
            "case.dates_out_of_order",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,2020-01-23,{v},医院,输入,,,,",
            "source_area",
            "case.source_required",
        ),
        (
            "B-1,{n},甲,疑似,2020-01-20,2020-01-22,,{v},医院,本地,,,治愈,2020-02-01",
            "",
            "case.invalid_transition",
        ),
        (
            "B-1,{n},,确诊,2020-01-20,2020-01-22,2020-01-23,{v},医院,本地,,,,",
            "id_number",
            "import.person_unknown",
        ),
        (
            "B-1,430102198001011234,甲,确诊,2020-01-20,2020-01-22,2020-01-23,{v},医院,本地,,,,",
            "id_number",
            "id_number.checksum",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,2020-01-23,4301,医院,本地,,,,",
            "residence",
            "case.residence_too_coarse",
        ),
        (
            "B-1,{n},甲,确诊,2020-01-20,2020-01-22,2020-01-23,{v},医院,本地,,,死亡,",
            "outcome_date",
            "import.value_required",
        ),
    ],
)
def test_each_bad_row_is_reported_and_nothing_is_written(official, numbers, line, field, code):
    lines = good_lines(numbers)
    lines.insert(1, line.format(n=numbers[5], v=VILLAGE))
    people = Person.objects.count()
    result = run(official, csv_bytes(lines))
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(3, code)]
    assert result["errors"][0]["field"] == field and result["errors"][0]["message"]
    assert result["imported"] == 0
    assert not Case.objects.exists() and Person.objects.count() == people


def test_a_row_outside_the_jurisdiction_is_refused(official, numbers):
    line = f"X-1,{numbers[5]},甲,确诊,,2020-01-22,2020-01-23,430202001001,医院,本地,,,,"
    result = run(official, csv_bytes([*good_lines(numbers), line]))
    assert [e["line"] for e in result["errors"]] == [6]
    assert not Case.objects.exists()


def test_a_line_list_id_twice_in_the_file_is_an_error(official, numbers):
    lines = good_lines(numbers)
    lines.append(lines[0].replace(numbers[0], numbers[5]))
    result = run(official, csv_bytes(lines))
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(6, "import.duplicate_in_file")]
    assert "第 2 行" in result["errors"][0]["message"]


def test_reimporting_changes_nothing_and_a_changed_row_is_a_conflict(official, numbers):
    content = csv_bytes(good_lines(numbers))
    run(official, content)
    snapshot = sorted(Case.objects.values_list("external_id", "classification", "outcome", "updated_at"))
    events = CaseEvent.objects.count()
    again = run(official, content)
    assert again["errors"] == [] and again["imported"] == 0 and again["skipped"] == 4
    assert (
        sorted(Case.objects.values_list("external_id", "classification", "outcome", "updated_at")) == snapshot
    )
    assert CaseEvent.objects.count() == events
    changed = good_lines(numbers)
    changed[1] = changed[1].replace("2020/1/24", "2020/1/25")
    result = run(official, csv_bytes(changed))
    assert [(e["line"], e["code"], e["field"]) for e in result["errors"]] == [
        (3, "import.conflict", "confirmed_date")
    ]
    assert Case.objects.get(external_id="L-002").confirmed_date == D(2020, 1, 24)


def test_dry_run_checks_everything_and_writes_nothing(official, numbers):
    result = run(official, csv_bytes(good_lines(numbers)), dry_run=True)
    assert result["errors"] == [] and result["new"] == 4 and result["imported"] == 0
    assert not Case.objects.exists() and not Person.objects.filter(name="张三").exists()


def test_gb18030_and_bom(official, numbers):
    assert run(official, csv_bytes(good_lines(numbers), encoding="gb18030"))["imported"] == 4
    Case.objects.all().delete()
    assert run(official, b"\xef\xbb\xbf" + csv_bytes(good_lines(numbers)))["imported"] == 4


def test_excel(official, numbers):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_ZH.split(","))
    sheet.append(
        [
            "X-1",
            numbers[0],
            "张三",
            "确诊",
            dt.datetime(2020, 1, 20),
            dt.datetime(2020, 1, 22),
            dt.datetime(2020, 1, 23),
            int(VILLAGE),
            "医院",
            "本地",
            None,
            None,
            "死亡",
            dt.datetime(2020, 2, 9),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(official, buffer.getvalue(), name="cases.xlsx")
    assert result["errors"] == [] and result["imported"] == 1
    case = Case.objects.get(external_id="X-1")
    assert (case.outcome, case.outcome_date, case.onset_date) == (Outcome.DIED, D(2020, 2, 9), D(2020, 1, 20))


def test_a_file_without_the_required_columns_is_refused(official):
    with pytest.raises(Exception) as caught:
        case_rows_from_file(name="cases.csv", content="编号,姓名\nA,甲\n".encode())
    assert caught.value.code == "import.missing_columns"
    with pytest.raises(Exception) as caught:
        case_rows_from_file(name="cases.csv", content=(HEADER_ZH + "\n").encode())
    assert caught.value.code == "import.no_rows"


def test_an_actor_who_may_not_report_cases_is_refused(make_user, numbers):
    expert = make_user(Role.EXPERT, "4301")
    with pytest.raises(Exception) as caught:
        cases_import(actor=expert, rows=[ImportRow(line=2, values={})], dry_run=False)
    assert caught.value.code == "permission_denied"


def test_the_job_path_runs_the_import_once(official, numbers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = cases_import_submit(
            actor=official, file_name="cases.csv", content=csv_bytes(good_lines(numbers)), dry_run=False
        )
    finished = cases_import_run(job_id=job.pk)
    assert finished.status == JobStatus.SUCCEEDED and finished.result["imported"] == 4
    assert cases_import_run(job_id=job.pk) is None
    assert Case.objects.count() == 4
    assert Job.objects.get(pk=job.pk).input_data in (b"", memoryview(b""))


def test_the_command(official, numbers, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(good_lines(numbers)))
    out = io.StringIO()
    call_command("import_cases", str(path), "--as", "furong", "--dry-run", stdout=out, stderr=io.StringIO())
    assert not Case.objects.exists()
    call_command("import_cases", str(path), "--as", "furong", stdout=out, stderr=io.StringIO())
    assert Case.objects.count() == 4
    path.write_bytes(csv_bytes([good_lines(numbers)[0].replace("2020-01-22", "2020-02-30")]))
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), "--as", "furong", stdout=out, stderr=io.StringIO())
    assert "import.invalid_date" in out.getvalue()
