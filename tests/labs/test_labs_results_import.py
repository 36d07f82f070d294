"""A lab's result file (CSV and Excel): good rows are reported, bad rows are listed with their line
and code, a dry run writes nothing; the file runs as a job."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import Job
from fangyi.labs import services
from fangyi.labs.choices import Result, SampleStatus
from fangyi.labs.models import Laboratory, Sample
from fangyi.labs.models import TestResult as PersonResult
from fangyi.people.services import person_register
from fangyi.regions.models import Place

FURONG_VILLAGE = "430102001001"
HEADER = "barcode,result,ct_value,operator,reported_at\n"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(dt.datetime(2020, 2, 1, 9, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def bench(db, make_user, new_id_number):
    clinic = Place.objects.create(name="发热门诊", kind="fever_clinic", region_id=FURONG_VILLAGE)
    lab = Laboratory.objects.create(
        place=Place.objects.create(name="芙蓉实验室", kind="lab", region_id=FURONG_VILLAGE),
        daily_capacity=500,
    )
    other_lab = Laboratory.objects.create(
        place=Place.objects.create(name="另一实验室", kind="lab", region_id=FURONG_VILLAGE),
        daily_capacity=500,
    )
    nurse, tech = make_user(Role.CLINIC_STAFF, "430102"), make_user(Role.LAB_STAFF, "430102")
    with clock.frozen_at(dt.datetime(2020, 2, 1, 6, tzinfo=dt.UTC)):  # received at 14:00 in Shanghai
        _collect_and_receive(clinic, lab, other_lab, nurse, tech, new_id_number)
    return {"lab": lab, "tech": tech}


def _collect_and_receive(clinic, lab, other_lab, nurse, tech, new_id_number):
    for n in range(1, 6):
        person = person_register(
            actor=None, name=f"居民{n}", id_number=new_id_number("430102"), home_region=FURONG_VILLAGE
        )
        services.sample_collect(actor=nurse, place_id=clinic.pk, person_id=person.pk, barcode=f"FY-00000{n}")
    services.samples_ship(actor=nurse, lab_id=lab.pk, barcodes=["FY-000001", "FY-000002", "FY-000003"])
    services.samples_receive(actor=tech, lab_id=lab.pk, barcodes=["FY-000001", "FY-000002", "FY-000003"])
    services.samples_ship(actor=nurse, lab_id=other_lab.pk, barcodes=["FY-000005"])
    services.samples_receive(actor=tech, lab_id=other_lab.pk, barcodes=["FY-000005"])


BAD_ROWS = (
    "fy-000001,阴性,,王检验,2020-02-01 16:30\n"  # line 2: good
    "FY 1,negative,,王检验,\n"  # line 3: bad barcode
    "FY-999999,negative,,王检验,\n"  # line 4: unknown barcode
    "FY-000004,negative,,王检验,\n"  # line 5: not received
    "FY-000002,maybe,,王检验,\n"  # line 6: bad result
    "FY-000003,positive,60,王检验,\n"  # line 7: bad Ct
    "FY-000005,negative,,王检验,\n"  # line 8: at another lab
    "FY-000001,negative,,王检验,\n"  # line 9: reported on line 2
)
EXPECTED = [
    (3, "sample.invalid_barcode"),
    (4, "sample.not_found"),
    (5, "sample.not_received"),
    (6, "sample.invalid_result"),
    (7, "sample.invalid_ct"),
    (8, "sample.other_lab"),
    (9, "sample.already_reported"),
]


def run(bench, content, name="results.csv", dry_run=False):
    job = services.results_import_submit(
        actor=bench["tech"], lab_id=bench["lab"].pk, file_name=name, content=content, dry_run=dry_run
    )
    return services.results_import_run(job_id=job.pk)


def test_good_rows_are_reported_and_bad_rows_listed(bench):
    job = run(bench, (HEADER + BAD_ROWS).encode())
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == EXPECTED
    assert job.result["imported"] == 1 and job.result["invalid"] == 7
    sample = Sample.objects.get(barcode="FY-000001")
    assert sample.status == SampleStatus.REPORTED and sample.operator == "王检验"
    assert sample.reported_at == dt.datetime(2020, 2, 1, 8, 30, tzinfo=dt.UTC)
    assert PersonResult.objects.count() == 1
    assert Sample.objects.get(barcode="FY-000002").status == SampleStatus.RECEIVED


def test_a_dry_run_checks_every_row_and_writes_nothing(bench):
    job = run(bench, (HEADER + BAD_ROWS).encode(), dry_run=True)
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == EXPECTED
    assert job.result["valid"] == 1 and job.result["imported"] == 0
    assert not PersonResult.objects.exists()
    assert Sample.objects.get(barcode="FY-000001").status == SampleStatus.RECEIVED


def test_an_excel_file_with_chinese_headers(bench):
    book = Workbook()
    sheet = book.active
    sheet.append(["条码", "检测结果", "CT值", "检测人"])
    sheet.append(["FY-000001", "阳性", 28.4, "王检验"])
    sheet.append(["FY-000002", "阴性", None, "王检验"])
    sheet.append(["FY-000003", "阳性", None, "王检验"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(bench, buffer.getvalue(), name="results.xlsx")
    assert job.status == "succeeded"
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == [(4, "sample.ct_required")]
    assert dict(
        Sample.objects.filter(barcode__in=["FY-000001", "FY-000002"]).values_list("barcode", "result")
    ) == {
        "FY-000001": Result.POSITIVE,
        "FY-000002": Result.NEGATIVE,
    }


def test_a_file_without_the_columns_fails_the_job(bench):
    job = run(bench, b"barcode,result\nFY-000001,negative\n")
    assert job.status == "failed" and job.result["errors"][0]["code"] == "import.missing_columns"
    assert not PersonResult.objects.exists()


def test_a_bad_reported_at_is_a_row_error(bench):
    job = run(bench, (HEADER + "FY-000001,negative,,王检验,yesterday\n").encode())
    assert [e["code"] for e in job.result["errors"]] == ["import.invalid_datetime"]


def test_another_countys_lab_staff_cannot_submit(bench, make_user):
    from fangyi.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.results_import_submit(
            actor=make_user(Role.LAB_STAFF, "430103"),
            lab_id=bench["lab"].pk,
            file_name="r.csv",
            content=(HEADER + BAD_ROWS).encode(),
            dry_run=False,
        )
    assert caught.value.code == "laboratory.not_found"
    assert not Job.objects.exists()
