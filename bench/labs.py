"""Testing at scale: result entry throughput and the turnaround report over a million samples.

    FANGYI_DEBUG=1 .venv/bin/python bench/labs.py [--samples N] [--entries M] [--postgres URL]

Builds its own throwaway database (a temporary SQLite file; with --postgres or DATABASE_URL also a
new database on that server, dropped afterwards), loads Hunan's divisions, a lab and a fever clinic
per county, and inserts N reported samples (default 1,000,000) of 10,000 residents over 122 counties
and 60 days with raw bulk inserts. Then, on each backend:

- report: labs.selectors.lab_summary for the province (samples, positive rate, median turnaround,
  same-day rate, backlog, capacity), all time and one day; baseline: the same figures computed in
  Python from every sample's collection and report times (what a report without the stored
  turnaround would do). Prints both, checks they agree, and report_speedup=<baseline/ours>.
- entry: M received samples (default 2,000) reported one by one through labs.services.sample_report
  (validation, result, audit, event), and M more through the lab's file upload (one CSV, one job);
  baseline: a bare ORM update of the same fields per sample. Prints results per second and
  entry_ratio / upload_ratio = <rate / bare rate>: the share of a bare write's rate each path keeps.

Each backend runs in its own process.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid

from _backends import run_each_backend, throwaway_database

FIRST_DAY = dt.date(2020, 2, 1)
DAYS = 60
RESIDENTS = 10_000
BATCH = 50_000
POSITIVE_SHARE = 0.004


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=1_000_000, help="reported samples (default 1,000,000)")
    parser.add_argument("--entries", type=int, default=2_000, help="results entered per path (default 2,000)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (default: DATABASE_URL)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.samples, args.entries, args.postgres)
        return
    run_each_backend(
        __file__,
        ["--samples", str(args.samples), "--entries", str(args.entries)],
        args.postgres or os.environ.get("DATABASE_URL", ""),
    )


def run_backend(backend: str, samples: int, entries: int, server: str | None) -> None:
    with throwaway_database(backend, server):
        _bench(backend, samples, entries)


def _bench(backend: str, samples: int, entries: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangyi.accounts.models import User
    from fangyi.regions.services import regions_load

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    regions_load()
    actor = User.objects.create_superuser("bench", password=None)
    world = _world(actor)
    _insert(connection, samples, world)
    print(
        f"[{backend}] {samples:,} reported samples of {RESIDENTS:,} residents over {len(world.counties)} "
        f"counties x {DAYS} days; set-up {time.monotonic() - started:.1f} s",
        flush=True,
    )
    _bench_report(backend, actor)
    _bench_entry(backend, actor, world, entries)


class _World:
    def __init__(
        self, counties: list[str], clinics: dict[str, int], lab: int, people: list[uuid.UUID]
    ) -> None:
        self.counties, self.clinics, self.lab, self.people = counties, clinics, lab, people


def _world(actor) -> _World:
    """A fever clinic in every county, one lab, and the residents (shared encrypted identity)."""
    from fangyi.core import pii
    from fangyi.labs.services import laboratory_set_capacity
    from fangyi.people.models import Person
    from fangyi.regions.choices import Kind, Level, PlaceKind
    from fangyi.regions.models import Place, Region

    counties = list(
        Region.objects.filter(level=Level.COUNTY)
        .exclude(kind=Kind.FUNCTIONAL_ZONE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    clinics = {
        county: Place.objects.create(
            name=f"{county} 发热门诊", kind=PlaceKind.FEVER_CLINIC, region_id=county
        ).pk
        for county in counties
    }
    lab = Place.objects.create(name="省疾控实验室", kind=PlaceKind.LAB, region_id="430102")
    laboratory_set_capacity(actor=actor, place_id=lab.pk, daily_capacity=50_000)
    blob = pii.encrypt("430102198001010011")
    people = [
        Person(
            id=uuid.UUID(int=(1 << 64) + number), name="测试", sex="M", birth_date=dt.date(1980, 1, 1),
            id_number_encrypted=blob, id_number_hash=f"{number:064x}", id_number_masked="430***********0011",
            home_region_id=counties[number % len(counties)], synthetic=True,
        )
        for number in range(RESIDENTS)
    ]  # fmt: skip
    Person.objects.bulk_create(people, batch_size=5000)
    return _World(counties, clinics, lab.pk, [person.id for person in people])


def _insert(connection, samples: int, world: _World) -> None:
    """Reported samples and their results by raw executemany in batches (no per-row ORM work)."""
    from django.db import transaction

    from fangyi.core import clock
    from fangyi.labs.models import Sample, TestResult

    postgres = connection.vendor == "postgresql"
    rng = random.Random(2020)

    def key(value: uuid.UUID) -> str:
        return str(value) if postgres else value.hex

    def statement(model, columns: list[str]) -> str:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"

    sample_columns = [
        "id", "barcode", "kind", "person_id", "collected_at", "collection_place_id", "county_id", "status",
        "lab_id", "shipped_at", "received_at", "result", "ct_value", "operator", "reported_at",
        "turnaround_minutes", "reported_same_day",
    ]  # fmt: skip
    result_columns = [
        "id", "person_id", "sample_id", "sampled_on", "sampled_at", "result", "ct_value", "lab",
        "reported_at", "county_id",
    ]  # fmt: skip
    insert_sample = statement(Sample, sample_columns)
    insert_result = statement(TestResult, result_columns)
    with connection.cursor() as cursor:
        if not postgres:
            cursor.execute("PRAGMA cache_size = -1000000")
        for start in range(0, samples, BATCH):
            rows, results = [], []
            for number in range(start, min(start + BATCH, samples)):
                person = world.people[number % RESIDENTS]
                county = world.counties[number % len(world.counties)]
                day = FIRST_DAY + dt.timedelta(days=number * DAYS // samples)
                collected = dt.datetime.combine(day, dt.time(8), clock.SHANGHAI) + dt.timedelta(
                    minutes=rng.randrange(600)
                )
                # Most reported within ten hours; some wait overnight.
                delay = rng.randrange(120, 600) if rng.random() < 0.85 else rng.randrange(600, 1800)
                reported = collected + dt.timedelta(minutes=delay)
                same_day = reported.date() == collected.date()
                positive = rng.random() < POSITIVE_SHARE
                result, ct = ("positive", "28.5") if positive else ("negative", None)
                sample_id = uuid.UUID(int=(2 << 64) + number)
                rows.append(
                    (key(sample_id), f"B{number:011d}", "individual", key(person), collected,
                     world.clinics[county], county, "reported", world.lab, collected, collected, result, ct,
                     "bench", reported, int((reported - collected).total_seconds() // 60), same_day)
                )  # fmt: skip
                results.append(
                    (key(uuid.UUID(int=(3 << 64) + number)), key(person), key(sample_id), day.isoformat(),
                     collected, result, ct, "省疾控实验室", reported, county)
                )  # fmt: skip
            with transaction.atomic():
                cursor.executemany(insert_sample, rows)
                cursor.executemany(insert_result, results)
            print(
                f"\r  inserted {min(start + BATCH, samples):,}/{samples:,}",
                end="",
                file=sys.stderr,
                flush=True,
            )
        print(file=sys.stderr)
        cursor.execute("ANALYZE" if postgres else "PRAGMA cache_size = -2000")


def _bench_report(backend: str, actor) -> None:
    from fangyi.labs.selectors import lab_summary

    day = FIRST_DAY + dt.timedelta(days=DAYS // 2)
    t0 = time.perf_counter()
    ours = lab_summary(actor=actor, region="43")
    ours_day = lab_summary(actor=actor, region="43", date=day)
    ours_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive = _summary_in_python(None)
    naive_day = _summary_in_python(day)
    naive_time = time.perf_counter() - t0
    for mine, theirs in ((ours, naive), (ours_day, naive_day)):
        assert mine["samples_total"] == theirs["samples_total"], (mine, theirs)
        assert abs(mine["median_turnaround_hours"] - theirs["median_turnaround_hours"]) < 0.02, (mine, theirs)
        # The summary rounds rates to four places and hours to two.
        assert abs(mine["reported_same_day_rate"] - theirs["reported_same_day_rate"]) <= 5e-5, (mine, theirs)
        assert abs(mine["positive_rate"] - theirs["positive_rate"]) <= 5e-5, (mine, theirs)
    print(
        f"[{backend}] report (province, all time + one day): ours {ours_time:.2f} s, "
        f"in Python {naive_time:.2f} s; samples {ours['samples_total']:,}, positive rate "
        f"{ours['positive_rate']:.2%}, median turnaround {ours['median_turnaround_hours']:.2f} h, "
        f"same day {ours['reported_same_day_rate']:.1%}",
        flush=True,
    )
    print(f"[{backend}] report_speedup={naive_time / ours_time:.1f}", flush=True)


def _summary_in_python(day: dt.date | None) -> dict:
    """The baseline: every reported sample's times read back and the figures computed here."""
    from fangyi.core import clock
    from fangyi.labs.models import Sample

    rows = Sample.objects.filter(kind="individual", county__code__startswith="43")
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), clock.SHANGHAI)
        rows = rows.filter(collected_at__gte=start, collected_at__lt=start + dt.timedelta(days=1))
    total = reported = positive = same = 0
    hours = []
    for collected, reported_at, result in rows.values_list("collected_at", "reported_at", "result").iterator(
        chunk_size=20_000
    ):
        total += 1
        if reported_at is None:
            continue
        reported += 1
        positive += result == "positive"
        hours.append((reported_at - collected).total_seconds() / 3600)
        same += reported_at.astimezone(clock.SHANGHAI).date() == collected.astimezone(clock.SHANGHAI).date()
    return {
        "samples_total": total,
        "positive_rate": positive / reported,
        "median_turnaround_hours": statistics.median(hours),
        "reported_same_day_rate": same / reported,
    }


def _bench_entry(backend: str, actor, world: _World, entries: int) -> None:
    from fangyi.labs import services
    from fangyi.labs.models import Sample

    def received(prefix: str) -> list[str]:
        barcodes = []
        for number in range(entries):
            barcode = f"{prefix}{number:08d}"
            services.sample_collect(
                actor=actor,
                place_id=world.clinics[world.counties[0]],
                person_id=world.people[number % RESIDENTS],
                barcode=barcode,
            )
            barcodes.append(barcode)
        services.samples_ship(actor=actor, lab_id=world.lab, barcodes=barcodes)
        services.samples_receive(actor=actor, lab_id=world.lab, barcodes=barcodes)
        return barcodes

    bare_codes, entry_codes, upload_codes = received("BARE"), received("ENTRY"), received("UPLOAD")
    t0 = time.perf_counter()
    for barcode in bare_codes:
        Sample.objects.filter(barcode=barcode).update(
            result="negative", operator="bench", status="reported", reported_at=dt.datetime.now(dt.UTC)
        )
    bare = entries / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for barcode in entry_codes:
        services.sample_report(actor=actor, barcode=barcode, result="negative", operator="bench")
    one_by_one = entries / (time.perf_counter() - t0)
    content = (
        "barcode,result,ct_value,operator\n" + "".join(f"{b},negative,,bench\n" for b in upload_codes)
    ).encode()
    t0 = time.perf_counter()
    job = services.results_import_submit(
        actor=actor, lab_id=world.lab, file_name="results.csv", content=content, dry_run=False
    )
    services.results_import_run(job_id=job.pk)
    upload = entries / (time.perf_counter() - t0)
    done = Sample.objects.filter(barcode__in=upload_codes, status="reported").count()
    assert done == entries, f"the upload reported {done} of {entries}"
    print(
        f"[{backend}] entry of {entries:,} results: bare update {bare:,.0f}/s, "
        f"one by one {one_by_one:,.0f}/s, file upload {upload:,.0f}/s",
        flush=True,
    )
    print(f"[{backend}] entry_ratio={one_by_one / bare:.3f} upload_ratio={upload / bare:.3f}", flush=True)


if __name__ == "__main__":
    main()
