"""Travel-record imports: CSV and Parquet, bad rows by line, duplicates, unmatched subjects."""

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.screening.conftest import csv_bytes, record

from fangyi.core import pii
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.models import Job, JobStatus
from fangyi.people.imports import ImportRow
from fangyi.screening.choices import SubjectKind
from fangyi.screening.imports import parse_at, rows_from_upload
from fangyi.screening.models import TravelRecord
from fangyi.screening.services import travel_import, travel_import_start


def run_import(actor, content, capture, name="records.csv") -> Job:
    with capture(execute=True):
        job = travel_import_start(actor=actor, file_name=name, data=content)
    job.refresh_from_db()
    return job


def test_good_rows_are_imported_hashed_and_matched(
    province, resident_factory, django_capture_on_commit_callbacks
):
    someone = resident_factory(phone="13812345678")
    content = csv_bytes(
        [
            record(someone.plain_id_number, "420100", "2020-01-20 08:30"),
            record(phone="+86 138-1234-5678", area="4201", at="2020-01-21T09:00+08:00", source="telecom"),
            record(phone_hash=pii.lookup_hash("phone", "13900000000"), area="430102", source="gate"),
        ]
    )
    job = run_import(province, content, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED, job.result
    assert (job.kind, job.capability, job.region_path) == ("screening.travel_import", "screening.view", "43")
    assert (job.result["imported"], job.result["unmatched"], job.result["invalid"]) == (3, 1, 0)
    rows = list(TravelRecord.objects.order_by("at"))
    assert [r.person_id for r in rows] == [someone.pk, None, someone.pk]
    assert rows[0].area_code == "4201" and rows[0].subject_kind == SubjectKind.ID_NUMBER
    assert rows[0].at == dt.datetime(2020, 1, 20, 0, 30, tzinfo=dt.UTC)  # 08:30 local
    assert rows[0].subject_hash == someone.id_number_hash
    assert rows[2].subject_hash == someone.phone_hash and rows[2].at.hour == 1
    # Plain identity numbers and phones are never stored.
    stored = " ".join(f"{r.subject_hash} {r.area_code}" for r in rows)
    assert someone.plain_id_number not in stored and "13812345678" not in stored
    assert all(r.job_id == job.pk for r in rows)


def test_bad_rows_are_reported_by_line_and_the_rest_kept(
    province, resident_factory, django_capture_on_commit_callbacks
):
    someone = resident_factory()
    content = csv_bytes(
        [
            record(someone.plain_id_number),  # line 2: good
            record(someone.plain_id_number, area="999999"),  # 3: unknown area
            record(someone.plain_id_number, area="42010"),  # 4: malformed code
            record(someone.plain_id_number, at="2020-13-40 25:00"),  # 5: malformed time
            record(someone.plain_id_number, at="yesterday"),  # 6
            record(),  # 7: nobody
            record(someone.plain_id_number, source="bicycle"),  # 8
            record("430102198001011234"),  # 9: bad check character
            record(someone.plain_id_number, at="2020-02-02 08:00"),  # 10: in the future
            record(someone.plain_id_number, area="4201010"),  # 11: 7 digits
        ]
    )
    job = run_import(province, content, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == [
        (3, "travel.unknown_area"),
        (4, "travel.unknown_area"),
        (5, "travel.bad_time"),
        (6, "travel.bad_time"),
        (7, "travel.no_subject"),
        (8, "travel.unknown_source"),
        (9, "id_number.checksum"),
        (10, "travel.future_time"),
        (11, "travel.unknown_area"),
    ]
    assert all(e["message"] for e in job.result["errors"])
    assert job.result["imported"] == 1 and TravelRecord.objects.count() == 1


def test_duplicates_in_the_file_and_already_stored_are_counted_not_inserted(province, resident_factory):
    someone = resident_factory()
    rows = [record(someone.plain_id_number), record(someone.plain_id_number, at="2020-01-20T08:30:00")]
    first = travel_import(actor=province, rows=rows_from_upload(name="a.csv", content=csv_bytes(rows)))
    assert (first["imported"], first["duplicates"]) == (1, 1)
    again = travel_import(actor=province, rows=rows_from_upload(name="a.csv", content=csv_bytes(rows)))
    assert (again["imported"], again["duplicates"]) == (0, 2)
    assert TravelRecord.objects.count() == 1


def test_parquet_input(province, resident_factory):
    someone = resident_factory()
    table = pa.table(
        {
            "id_number": [someone.plain_id_number, None],
            "area_code": ["420106", "4201"],
            "at": pa.array([dt.datetime(2020, 1, 19, 8), dt.datetime(2020, 1, 19, 9)], pa.timestamp("s")),
            "source": ["air", "rail"],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    rows = rows_from_upload(name="x.bin", content=buffer.getvalue())
    assert [row.line for row in rows] == [1, 2]
    result = travel_import(actor=province, rows=rows)
    assert result["imported"] == 1
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(2, "travel.no_subject")]
    assert TravelRecord.objects.get().at == dt.datetime(2020, 1, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"", "import.empty"),
        ("a.csv", b"\x00\x01\x02garbage\xff\xfe", "import.unreadable"),
        ("a.parquet", b"PAR1 this is no parquet", "import.unreadable"),
        ("a.csv", b"id_number,where,when\n1,2,3\n", "import.missing_columns"),
        ("a.csv", b"id_number,area_code,at,source\n", "import.no_rows"),
    ],
)
def test_an_empty_or_garbled_file_fails_the_job(
    province, name, content, code, django_capture_on_commit_callbacks
):
    if not content:
        with pytest.raises(DomainError) as refused:
            travel_import_start(actor=province, file_name=name, data=content)
        assert refused.value.code == code
        return
    job = run_import(province, content, django_capture_on_commit_callbacks, name=name)
    assert job.status == JobStatus.FAILED
    assert job.result["errors"][0]["code"] == code and job.message
    assert TravelRecord.objects.count() == 0


def test_only_the_province_imports(county):
    with pytest.raises(PermissionDenied):
        travel_import_start(actor=county, file_name="a.csv", data=csv_bytes([record()]))
    with pytest.raises(PermissionDenied):
        travel_import(actor=county, rows=[ImportRow(line=2, values={})])
    assert Job.objects.count() == 0


def test_naive_times_are_shanghai_time():
    assert parse_at("2020-01-20 08:30") == dt.datetime(2020, 1, 20, 0, 30, tzinfo=dt.UTC)
    assert parse_at("2020-01-20T08:30:00Z") == dt.datetime(2020, 1, 20, 8, 30, tzinfo=dt.UTC)


def test_the_command_imports_as_the_system(tmp_path, resident_factory):
    from django.core.management import call_command

    someone = resident_factory()
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes([record(someone.plain_id_number), record(area="0")]))
    out = io.StringIO()
    call_command("screen", "import", str(path), stdout=out, stderr=io.StringIO())
    assert "travel.no_subject" in out.getvalue() or "travel.unknown_area" in out.getvalue()
    job = Job.objects.get(kind="screening.travel_import")
    assert job.actor is None and job.status == JobStatus.SUCCEEDED
    assert TravelRecord.objects.get().person_id == someone.pk
