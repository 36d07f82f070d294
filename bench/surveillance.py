"""Daily reports at scale: a full rebuild against an incremental update after one case changes.

    FANGYI_DEBUG=1 .venv/bin/python bench/surveillance.py [--cases N] [--postgres URL]

Builds its own throwaway database (a temporary SQLite file; with --postgres or DATABASE_URL also a
new database on that server, dropped afterwards), loads Hunan's divisions, inserts N synthetic
cases (default 1,000,000) over 122 counties and 120 days with raw bulk inserts, then times

- full: reports.daily_reports_rebuild() — every county, prefecture and province row from every case;
- incremental: one service transition on one case (case_record_outcome, which refreshes that
  county, its prefecture and the province), the median of several cases;

and prints both with the ratio incremental / full. Each backend runs in its own process.
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

FIRST_DAY = dt.date(2020, 1, 21)
DAYS = 120
BATCH = 50_000
INCREMENTAL_RUNS = 5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="synthetic cases (default 1,000,000)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (default: DATABASE_URL)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.cases, args.postgres)
        return
    run_each_backend(
        __file__, ["--cases", str(args.cases)], args.postgres or os.environ.get("DATABASE_URL", "")
    )


def run_backend(backend: str, cases: int, server: str | None) -> None:
    with throwaway_database(backend, server):
        _bench(backend, cases)


def _bench(backend: str, cases: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangyi.regions.services import regions_load
    from fangyi.surveillance import reports

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    regions_load()
    counties = _counties()
    person_rows, case_rows, change_rows = _insert(connection, cases, counties)
    setup = time.monotonic() - started
    print(
        f"[{backend}] {case_rows:,} cases ({person_rows:,} residents, {change_rows:,} severity changes) "
        f"over {len(counties)} counties x {DAYS} days; set-up {setup:.1f} s",
        flush=True,
    )
    t0 = time.perf_counter()
    rows = reports.daily_reports_rebuild()
    full = time.perf_counter() - t0
    print(f"[{backend}] full rebuild: {full:.2f} s ({rows:,} report rows)", flush=True)
    incremental = statistics.median(_incremental_once(county) for county in counties[:INCREMENTAL_RUNS])
    print(
        f"[{backend}] incremental (one case cured; county + prefecture + province): "
        f"{incremental * 1000:.0f} ms (median of {INCREMENTAL_RUNS})",
        flush=True,
    )
    print(f"[{backend}] ratio incremental / full: {incremental / full:.4f} (1 : {full / incremental:.0f})")


def _counties() -> list[tuple[str, list[str]]]:
    """The 122 counties (functional zones left out), each with up to ten of its villages."""
    from fangyi.regions.choices import Kind, Level
    from fangyi.regions.models import Region

    codes = list(
        Region.objects.filter(level=Level.COUNTY)
        .exclude(kind=Kind.FUNCTIONAL_ZONE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    villages: dict[str, list[str]] = {code: [] for code in codes}
    for village in Region.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True):
        chosen = villages.get(village[:6])
        if chosen is not None and len(chosen) < 10:
            chosen.append(village)
    return [(code, villages[code]) for code in codes if villages[code]]


def _insert(connection, cases: int, counties: list[tuple[str, list[str]]]) -> tuple[int, int, int]:
    """Residents, cases and severity changes by raw executemany in batches (no per-row ORM work)."""
    from django.db import transaction

    from fangyi.core import pii
    from fangyi.people.models import Person
    from fangyi.surveillance.models import Case, SeverityChange

    postgres = connection.vendor == "postgresql"
    rng = random.Random(2020)
    # One encrypted identity number shared by every resident: encryption is not what is measured.
    blob = pii.encrypt("430102198001010011")
    now = "2020-06-01 00:00:00+00:00"

    def key(value: uuid.UUID) -> str:
        return str(value) if postgres else value.hex

    def statement(model, columns: list[str]) -> str:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"

    person_columns = [
        "id", "name", "sex", "birth_date", "id_number_encrypted", "id_number_hash", "id_number_masked",
        "phone_encrypted", "phone_hash", "phone_masked", "home_region_id", "address", "synthetic",
        "created_at", "updated_at",
    ]  # fmt: skip
    case_columns = [
        "id", "person_id", "classification", "origin", "source_area", "residence_id", "county_id",
        "current_location", "reporting_unit", "symptoms", "onset_date", "report_date", "asymptomatic_date",
        "confirmed_date", "confirmation_method", "excluded_date", "severity", "outcome", "outcome_date",
        "synthetic", "created_at", "updated_at",
    ]  # fmt: skip
    change_columns = ["case_id", "date", "severity", "recorded_at"]
    insert_person = statement(Person, person_columns)
    insert_case = statement(Case, case_columns)
    insert_change = statement(SeverityChange, change_columns)
    last_day = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    changes_total = 0
    with connection.cursor() as cursor:
        if not postgres:  # a bigger page cache while loading; back to the default before measuring
            cursor.execute("PRAGMA cache_size = -1000000")
        for start in range(0, cases, BATCH):
            people, rows, changes = [], [], []
            for number in range(start, min(start + BATCH, cases)):
                county, villages = counties[number % len(counties)]
                village = villages[number // len(counties) % len(villages)]
                # Ids in insertion order (like UUIDv7), so the primary-key indexes grow at one end.
                person_id, case_id = uuid.UUID(int=(1 << 64) + number), uuid.UUID(int=(2 << 64) + number)
                people.append(
                    (key(person_id), "测试", "M", "1980-01-01", blob, f"{number:064x}", "430***********0011",
                     "", "", "", village, "", True, now, now)
                )  # fmt: skip
                reported = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
                onset = reported - dt.timedelta(days=rng.randint(1, 7))
                kind = rng.random()
                asymptomatic = confirmed = excluded = outcome_date = None
                classification, outcome, severity, method = "suspected", "", "", ""
                if kind < 0.80:
                    classification, method = "confirmed", "nucleic_acid"
                    confirmed = reported + dt.timedelta(days=rng.randint(0, 2))
                    severity = "moderate"
                    end = confirmed + dt.timedelta(days=rng.randint(7, 28))
                    if end <= last_day:
                        outcome, outcome_date = ("died" if rng.random() < 0.005 else "cured"), end
                    if rng.random() < 0.1:
                        severe = confirmed + dt.timedelta(days=1)
                        changes.append((key(case_id), severe.isoformat(), "severe", now))
                        changes.append(
                            (key(case_id), (severe + dt.timedelta(days=4)).isoformat(), "moderate", now)
                        )
                elif kind < 0.90:
                    classification, excluded = "excluded", reported + dt.timedelta(days=rng.randint(1, 3))
                elif kind < 0.95:
                    classification, asymptomatic, onset = "asymptomatic", reported, None
                rows.append(
                    (key(case_id), key(person_id), classification, "local", "", village, county, "", "bench",
                     "", _day(onset), reported.isoformat(), _day(asymptomatic), _day(confirmed), method,
                     _day(excluded), severity, outcome, _day(outcome_date), True, now, now)
                )  # fmt: skip
            with transaction.atomic():  # one commit per batch, not one per row
                cursor.executemany(insert_person, people)
                cursor.executemany(insert_case, rows)
                if changes:
                    cursor.executemany(insert_change, changes)
            changes_total += len(changes)
            print(
                f"\r  inserted {min(start + BATCH, cases):,}/{cases:,}", end="", file=sys.stderr, flush=True
            )
        print(file=sys.stderr)
        cursor.execute("ANALYZE" if postgres else "PRAGMA cache_size = -2000")
    return cases, cases, changes_total


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _incremental_once(county: tuple[str, list[str]]) -> float:
    """Cure one open confirmed case of the county through the service; seconds taken."""
    from fangyi.surveillance.models import Case
    from fangyi.surveillance.services import case_record_outcome

    case = (
        Case.objects.filter(county_id=county[0], classification="confirmed", outcome="", severity="moderate")
        .exclude(severity_changes__isnull=False)
        .order_by("confirmed_date")
        .first()
    )
    assert case is not None and case.confirmed_date is not None
    t0 = time.perf_counter()
    case_record_outcome(
        actor=None, case_id=case.pk, outcome="cured", date=case.confirmed_date + dt.timedelta(days=1)
    )
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
