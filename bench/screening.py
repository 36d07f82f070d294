"""Big-data screening: our Ibis expression on DuckDB against a straightforward pandas version and
against the same expression on PySpark (local), on the same generated data, in the same run.

    .venv/bin/python bench/screening.py [--records N] [--residents M] [--tasks K] [--quick]

Generates N travel records (default 50,000,000) of M residents (default 5,000,000) plus a tenth
more people who live elsewhere, with numpy, into Parquet files in a temporary directory: times over
2020-01-01 … 2020-02-05, areas from a pool of Hubei, Wuhan, other provinces and Hunan counties and
townships. Risk areas: Hubei and Wuhan from 2020-01-10, one Hunan county and one township for a few
days each. The screening is as of 2020-01-31 with a 14-day look-back.

Each engine runs in its own process (so its peak memory is its own: the process and its children,
Spark's JVM included, sampled every 50 ms) and writes its hits and tallies to Parquet; this process
checks that the three results are identical. Printed per engine: hits and tallies, seconds for the
screening (reading the files included; Spark's session start-up shown apart) and peak memory.

Then grid-task generation: K screened persons (default 100,000) in a throwaway SQLite database,
timed through services.grid_tasks_create (tasks and their audit rows).

`--quick` uses 1,000,000 records, 100,000 residents and 10,000 tasks, to finish in under 50 s on
two otherwise idle cores (Spark's start-up alone takes about 13 s).

The last line is `speedup_vs_pandas=<pandas seconds / DuckDB seconds> same_result=true|false`.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2020, 1, 31)
LOOKBACK_DAYS = 14
FIRST = dt.datetime(2020, 1, 1)
SPAN_HOURS = 36 * 24
# Local days as naive UTC instants (Asia/Shanghai is UTC+8, no daylight saving).
START = dt.datetime.combine(AS_OF - dt.timedelta(days=LOOKBACK_DAYS), dt.time()) - dt.timedelta(hours=8)
END = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
OUTSIDE = ["110101", "110105", "310104", "440305", "440106", "500103", "4403", "3101"]
HUBEI = ["420102", "420106", "420111", "4201", "420502", "420602", "421002", "42"]
HUNAN = ["430102", "430103", "430602", "430602001", "430602002", "430721", "431002"]
RISK_AREAS = [
    ("42", dt.datetime(2020, 1, 9, 16), None),
    ("4201", dt.datetime(2020, 1, 9, 16), None),
    ("430602", dt.datetime(2020, 1, 19, 16), dt.datetime(2020, 1, 24, 16)),
    ("430602001", dt.datetime(2020, 1, 25, 16), dt.datetime(2020, 1, 27, 16)),
]
ENGINES = ("duckdb", "pandas", "pyspark")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000_000, help="travel records (default 50,000,000)")
    parser.add_argument("--residents", type=int, default=5_000_000, help="residents (default 5,000,000)")
    parser.add_argument(
        "--tasks", type=int, default=100_000, help="screened persons for grid tasks (100,000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000,000 records, 100,000 residents, 10,000 tasks"
    )
    parser.add_argument("--child", choices=[*ENGINES, "tasks"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "tasks":
        bench_tasks(args.tasks)
        return
    if args.child:
        run_engine(args.child, Path(args.dir))
        return
    if args.quick:
        args.records, args.residents, args.tasks = 1_000_000, 100_000, 10_000
    with tempfile.TemporaryDirectory(prefix="fangyi-bench-") as directory:
        folder = Path(directory)
        started = time.perf_counter()
        generate(folder, args.records, args.residents)
        print(
            f"generated {args.records:,} records of {args.residents:,} residents "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        reports = {engine: child([f"--child={engine}", f"--dir={folder}"]) for engine in ENGINES}
        same = compare(folder)
    for engine in ENGINES:
        report = reports[engine]
        startup = f" (+{report['startup']:.1f} s session start-up)" if report.get("startup") else ""
        print(
            f"{engine:8} {report['hits']:>10,} hits {report['tallies']:>7,} tallies "
            f"{report['seconds']:7.2f} s{startup}  peak {report['peak_mb']:8,.0f} MB"
        )
    duckdb, pandas, spark = (reports[engine] for engine in ENGINES)
    print(
        f"pandas / duckdb: time {pandas['seconds'] / duckdb['seconds']:.2f}x, "
        f"memory {pandas['peak_mb'] / duckdb['peak_mb']:.2f}x; "
        f"pyspark / duckdb: time {spark['seconds'] / duckdb['seconds']:.2f}x, "
        f"memory {spark['peak_mb'] / duckdb['peak_mb']:.2f}x",
        flush=True,
    )
    tasks = child(["--child=tasks", f"--tasks={args.tasks}"])
    print(
        f"grid tasks: {tasks['created']:,} created for {args.tasks:,} screened persons in "
        f"{tasks['seconds']:.2f} s ({tasks['created'] / tasks['seconds']:,.0f} tasks/s, with audit rows)"
    )
    print(f"speedup_vs_pandas={pandas['seconds'] / duckdb['seconds']:.2f} same_result={str(same).lower()}")


def child(arguments: list[str]) -> dict:
    """Run one part in a process of its own; its last line of output is a JSON report."""
    env = {**os.environ, "FANGYI_DEBUG": "1", "SPARK_LOCAL_IP": "127.0.0.1"}
    done = subprocess.run(
        [sys.executable, __file__, *arguments],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Data --------------------------------------------------------------------------------------------


def generate(folder: Path, records: int, residents: int) -> None:
    """Residents and records as Parquet, written in row groups so memory stays flat."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from fangyi.screening import engine

    rng = np.random.default_rng(2020)
    villages = np.array(
        [
            f"43{p:02d}{c:02d}{t:03d}{v:03d}"
            for p in range(1, 15)
            for c in (2, 3, 21)
            for t in (1, 2, 3)
            for v in (1, 2)
        ]
    )
    grids = np.array([f"G{n:05d}" for n in range(2_000)])
    people = np.arange(residents)
    home = villages[rng.integers(0, len(villages), residents)]
    grid = pa.array(grids[rng.integers(0, len(grids), residents)], pa.string())
    grid = pc.if_else(pa.array(rng.random(residents) < 0.3), pa.nulls(residents, pa.string()), grid)
    pq.write_table(
        pa.Table.from_arrays(
            [pc.cast(pa.array(people), pa.string()), pa.array(home, pa.string()), grid],
            schema=engine.RESIDENTS_SCHEMA,
        ),
        folder / "residents.parquet",
    )
    # Most sightings are elsewhere; about one in twelve lies in Hubei, some in Hunan's risky places.
    pool = np.array(OUTSIDE * 8 + HUNAN * 3 + HUBEI)
    batch = 5_000_000
    with pq.ParquetWriter(folder / "records.parquet", engine.RECORDS_SCHEMA) as writer:
        for start in range(0, records, batch):
            size = min(batch, records - start)
            hours = rng.integers(0, SPAN_HOURS * 60, size).astype("timedelta64[m]")
            at = np.datetime64(FIRST, "us") + hours
            writer.write_table(
                pa.Table.from_arrays(
                    [
                        pa.array(np.arange(start, start + size, dtype=np.int64)),
                        pc.cast(pa.array(rng.integers(0, int(residents * 1.1), size)), pa.string()),
                        pa.array(pool[rng.integers(0, len(pool), size)], pa.string()),
                        pa.array(at, engine.TIMESTAMP),
                    ],
                    schema=engine.RECORDS_SCHEMA,
                )
            )


# Engines -----------------------------------------------------------------------------------------


class PeakMemory:
    """The peak resident memory of this process and its descendants, sampled from /proc."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(0.05)


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_engine(name: str, folder: Path) -> None:
    import pyarrow.parquet as pq

    from fangyi.screening import engine

    areas = engine.risk_areas_table(RISK_AREAS)
    startup = 0.0
    with PeakMemory() as memory:
        if name == "pandas":
            started = time.perf_counter()
            result = screen_pandas(folder, areas)
        else:
            begun = time.perf_counter()
            connection = engine.connect(name)
            if name == "pyspark":
                connection.raw_sql("SELECT 1").collect()
            startup = time.perf_counter() - begun
            started = time.perf_counter()
            result = engine.run(
                engine.parquet(connection, str(folder / "records.parquet"), "records"),
                engine.parquet(connection, str(folder / "residents.parquet"), "residents"),
                areas,
                start=START,
                end=END,
            )
        seconds = time.perf_counter() - started
    pq.write_table(result.hits, folder / f"hits-{name}.parquet")
    pq.write_table(result.tallies, folder / f"tallies-{name}.parquet")
    report = {
        "hits": result.hits.num_rows,
        "tallies": result.tallies.num_rows,
        "seconds": seconds,
        "startup": startup,
        "peak_mb": memory.peak / 2**20,
    }
    print(json.dumps(report), flush=True)


def screen_pandas(folder: Path, areas):
    """The same screening written plainly with pandas: filter, merge per prefix length, group."""
    import pandas as pd
    import pyarrow as pa

    from fangyi.screening import engine

    records = pd.read_parquet(folder / "records.parquet")
    residents = pd.read_parquet(folder / "residents.parquet")
    risk = areas.to_pandas()
    inside = records[(records["at"] >= START) & (records["at"] < END)]
    parts = []
    for length in sorted(risk["area_code"].str.len().unique()):
        these = risk[risk["area_code"].str.len() == length]
        keyed = inside.assign(prefix=inside["area_code"].str[:length])
        joined = keyed.merge(these, left_on="prefix", right_on="area_code", suffixes=("", "_risk"))
        joined = joined[(joined["at"] >= joined["starts_at"]) & (joined["at"] < joined["ends_at"])]
        parts.append(joined[["record_id", "person_id", "area_code", "at"]])
    matched = pd.concat(parts).drop_duplicates()
    matched = matched[matched["person_id"].isin(residents["person_id"])]
    per_person = matched.groupby("person_id").agg(
        first_seen=("at", "min"), last_seen=("at", "max"), records=("record_id", "size")
    )
    last = matched.sort_values(["person_id", "at", "area_code"]).groupby("person_id").tail(1)
    hits = (
        per_person.join(last.set_index("person_id")["area_code"])
        .reset_index()
        .merge(residents, on="person_id")
    )
    levels = [
        pd.DataFrame({"level": level, "code": hits["home_region"].str[:length]})
        for level, length in engine.TALLY_LEVELS
    ]
    levels.append(pd.DataFrame({"level": "grid", "code": hits["grid"]}).dropna())
    tallies = pd.concat(levels).groupby(["level", "code"]).size().rename("persons").reset_index()
    return engine.Result(
        engine.normalised(
            pa.Table.from_pandas(hits, preserve_index=False), engine.HITS_SCHEMA, ["person_id"]
        ),
        engine.normalised(
            pa.Table.from_pandas(tallies, preserve_index=False), engine.TALLIES_SCHEMA, ["level", "code"]
        ),
    )


def compare(folder: Path) -> bool:
    import pyarrow.parquet as pq

    first = [pq.read_table(folder / f"{kind}-{ENGINES[0]}.parquet") for kind in ("hits", "tallies")]
    for engine in ENGINES[1:]:
        other = [pq.read_table(folder / f"{kind}-{engine}.parquet") for kind in ("hits", "tallies")]
        if not all(a.equals(b) for a, b in zip(first, other, strict=True)):
            print(f"{engine} differs from {ENGINES[0]}")
            return False
    return True


# Grid tasks --------------------------------------------------------------------------------------


def bench_tasks(persons: int) -> None:
    """grid_tasks_create for `persons` screened residents, in a throwaway SQLite database whose
    tables are created straight from the models (the migrations are not what is measured)."""
    with tempfile.TemporaryDirectory(prefix="fangyi-bench-") as data_dir:
        os.environ.update({"FANGYI_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "fangyi.settings"})
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.apps import apps
        from django.db import connection

        from fangyi.core import pii
        from fangyi.core.models import Job
        from fangyi.people.models import Person
        from fangyi.regions.models import Region
        from fangyi.screening.models import ScreeningHit, ScreeningRun
        from fangyi.screening.services import grid_tasks_create

        with connection.schema_editor() as editor:
            for model in apps.get_models():
                editor.create_model(model)
        chain = [("43", "province", None), ("4301", "prefecture", "43"), ("430102", "county", "4301")]
        chain.append(("430102001", "township", "430102"))
        villages = [f"430102001{n:03d}" for n in range(1, 21)]
        chain += [(code, "village", "430102001") for code in villages]
        Region.objects.bulk_create(
            [
                Region(code=code, name=code, level=level, kind="", parent_id=parent)
                for code, level, parent in chain
            ]
        )
        blob = pii.encrypt("430102198001010011")
        people = [
            Person(
                name="测试",
                sex="M",
                birth_date=dt.date(1980, 1, 1),
                id_number_encrypted=blob,
                id_number_hash=f"{n:064x}",
                id_number_masked="430***********0011",
                home_region_id=villages[n % len(villages)],
                synthetic=True,
            )
            for n in range(persons)
        ]
        Person.objects.bulk_create(people, batch_size=5000)
        run = ScreeningRun.objects.create(
            job=Job.objects.create(kind="screening.run"),
            region_id="430102",
            as_of=AS_OF,
            lookback_days=LOOKBACK_DAYS,
            backend="duckdb",
        )
        seen = dt.datetime(2020, 1, 20, tzinfo=dt.UTC)
        ScreeningHit.objects.bulk_create(
            [
                ScreeningHit(
                    run=run,
                    person=person,
                    home_region_id=person.home_region_id,
                    area_code="420106",
                    first_seen=seen,
                    last_seen=seen,
                    records=1,
                )
                for person in people
            ],
            batch_size=5000,
        )
        started = time.perf_counter()
        created, _existing = grid_tasks_create(run=run)
        seconds = time.perf_counter() - started
        connection.close()
    print(json.dumps({"created": created, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
