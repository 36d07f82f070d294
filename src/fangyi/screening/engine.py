"""The screening expression, written once in Ibis and run on DuckDB (in process) or PySpark.

Pure over Ibis tables and Arrow: no Django here, so the benchmark runs it on generated files.
All times are naive UTC timestamps (the caller turns local dates into UTC instants).

Inputs
    records      record_id int64, person_id string, area_code string (a path), at timestamp
    residents    person_id string, home_region string (a village path), grid string (nullable)
    risk areas   area_code string (a path), starts_at timestamp, ends_at timestamp (exclusive)
    window       [start, end): the look-back

A record is a hit when it lies in the window and in a risk area (its path starts with the area's)
during that area's window. Per person: first and last sighting, the number of records (a record in
two overlapping areas, Hubei and Wuhan, counts once) and the area of the last sighting (ties: the
greatest code). Tallies count the screened persons per prefecture, county, township, village and grid.
"""

import datetime as dt
import functools
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import ibis
import pyarrow as pa
from ibis.expr.types import Table

DUCKDB = "duckdb"
PYSPARK = "pyspark"
BACKENDS = (DUCKDB, PYSPARK)
OPEN_END = dt.datetime(2200, 1, 1)
# Tally level → how many characters of the home village path name it (grid: the grid code).
TALLY_LEVELS = (("prefecture", 4), ("county", 6), ("township", 9), ("village", 12))

TIMESTAMP = pa.timestamp("us")
RECORDS_SCHEMA = pa.schema(
    [("record_id", pa.int64()), ("person_id", pa.string()), ("area_code", pa.string()), ("at", TIMESTAMP)]
)
RESIDENTS_SCHEMA = pa.schema(
    [("person_id", pa.string()), ("home_region", pa.string()), ("grid", pa.string())]
)
RISK_AREAS_SCHEMA = pa.schema([("area_code", pa.string()), ("starts_at", TIMESTAMP), ("ends_at", TIMESTAMP)])
HITS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("home_region", pa.string()),
        ("grid", pa.string()),
        ("area_code", pa.string()),
        ("first_seen", TIMESTAMP),
        ("last_seen", TIMESTAMP),
        ("records", pa.int64()),
    ]
)
TALLIES_SCHEMA = pa.schema([("level", pa.string()), ("code", pa.string()), ("persons", pa.int64())])


@dataclass(frozen=True)
class Result:
    """Hits sorted by person, tallies by level and code; the same schema on every backend."""

    hits: pa.Table
    tallies: pa.Table

    def equals(self, other: "Result") -> bool:
        return self.hits.equals(other.hits) and self.tallies.equals(other.tallies)


def risk_areas_table(windows: list[tuple[str, dt.datetime, dt.datetime | None]]) -> pa.Table:
    """Risk areas as Arrow: (area path, start, end or None for still listed), naive UTC."""
    return pa.Table.from_pylist(
        [
            {"area_code": code, "starts_at": start, "ends_at": end if end is not None else OPEN_END}
            for code, start, end in windows
        ],
        schema=RISK_AREAS_SCHEMA,
    )


def _matched(records: Table, risk_areas: pa.Table, start: dt.datetime, end: dt.datetime) -> Table | None:
    """(record, person, area, time) of every record inside a risk area's window, once each.

    Each record in the look-back is paired with its prefixes of the lengths the listed areas have
    (one scan), then equi-joined to the areas: far faster than a starts-with join. Every prefix of a
    record's path is a true ancestor, so a match on any of them puts the record inside the area.
    """
    lengths = sorted({len(code) for code in risk_areas.column("area_code").to_pylist()})
    if not lengths:
        return None
    inside = records.filter((records.at >= start) & (records.at < end))
    keyed = inside.mutate(prefix=ibis.array([inside.area_code.substr(0, n) for n in lengths]).unnest())
    areas = ibis.memtable(risk_areas).rename(risk_code="area_code")
    joined = keyed.join(
        areas, [keyed.prefix == areas.risk_code, keyed.at >= areas.starts_at, keyed.at < areas.ends_at]
    )
    return joined.select("record_id", "person_id", "area_code", "at").distinct()


def expressions(
    records: Table, residents: Table, risk_areas: pa.Table, *, start: dt.datetime, end: dt.datetime
) -> Table | None:
    """The hits expression (None when no risk area is listed: nobody is screened)."""
    matched = _matched(records, risk_areas, start, end)
    if matched is None:
        return None
    person = ibis.window(group_by="person_id")
    latest = ibis.window(group_by="person_id", order_by=[ibis.desc("at"), ibis.desc("area_code")])
    per_person = matched.mutate(
        first_seen=matched.at.min().over(person),
        last_seen=matched.at.max().over(person),
        records=matched.count().over(person),
        rank=ibis.row_number().over(latest),
    ).filter(ibis._.rank == 0)
    return per_person.join(residents, "person_id").select(
        "person_id", "home_region", "grid", "area_code", "first_seen", "last_seen", "records"
    )


def tallies_expression(hits: Table) -> Table:
    """Screened persons per prefecture, county, township, village and grid."""
    levels = [
        hits.select(level=ibis.literal(level), code=hits.home_region.substr(0, length))
        for level, length in TALLY_LEVELS
    ]
    levels.append(hits.filter(hits.grid.notnull()).select(level=ibis.literal("grid"), code=hits.grid))
    codes = ibis.union(*levels)
    return codes.group_by(["level", "code"]).aggregate(persons=codes.count())


def run(
    records: Table, residents: Table, risk_areas: pa.Table, *, start: dt.datetime, end: dt.datetime
) -> Result:
    """Execute the screening on the backend the tables live on; the tallies are counted there too,
    from the hits (a few rows per screened person) rather than by running the screening twice."""
    hits_expression = expressions(records, residents, risk_areas, start=start, end=end)
    if hits_expression is None:
        return Result(HITS_SCHEMA.empty_table(), TALLIES_SCHEMA.empty_table())
    backend = ibis.get_backend(hits_expression)
    hits = normalised(backend.to_pyarrow(hits_expression), HITS_SCHEMA, ["person_id"])
    tallies = backend.to_pyarrow(tallies_expression(table(backend, hits, f"hits_{uuid.uuid4().hex}")))
    return Result(hits, normalised(tallies, TALLIES_SCHEMA, ["level", "code"]))


def normalised(table: pa.Table, schema: pa.Schema, keys: list[str]) -> pa.Table:
    """Same column order, types and row order whatever the backend returned."""
    columns = [table.column(field.name).cast(field.type) for field in schema]
    ordered = pa.Table.from_arrays(columns, schema=schema)
    return ordered.sort_by([(key, "ascending") for key in keys]).combine_chunks()


# Backends ----------------------------------------------------------------------------------------


def connect(backend: str, *, spark_master: str = "local[2]") -> Any:
    """An Ibis connection: DuckDB in this process, or PySpark on `spark_master`."""
    if backend == DUCKDB:
        return ibis.duckdb.connect()
    if backend == PYSPARK:
        return ibis.pyspark.connect(spark_session(spark_master))
    raise ValueError(f"unknown screening backend {backend!r}")


@functools.cache
def spark_session(master: str = "local[2]") -> Any:
    """One Spark session per process (starting one takes seconds): UTC, no UI, quiet logs."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    from pyspark.sql import SparkSession

    warehouse = tempfile.mkdtemp(prefix="fangyi-spark-")
    session = (
        SparkSession.builder.master(master)
        .appName("fangyi-screening")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def table(connection: Any, data: pa.Table, name: str) -> Table:
    """An Arrow table as a temporary table of the connection (nulls stay nulls on Spark)."""
    if connection.name == PYSPARK:
        connection._session.createDataFrame(data).createOrReplaceTempView(name)
        return connection.table(name)
    return connection.create_table(name, data, temp=True, overwrite=True)


def parquet(connection: Any, path: str, name: str) -> Table:
    """A Parquet file (or directory of files) as a table of the connection."""
    return connection.read_parquet(path, table_name=name)
