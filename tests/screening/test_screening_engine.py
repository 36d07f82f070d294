"""The screening expression on small hand-made tables, and the same screening on DuckDB and PySpark."""

import datetime as dt
import random

import pyarrow as pa
import pytest

from fangyi.screening import engine

D = dt.datetime
START = D(2020, 1, 16, 16)  # 2020-01-17 00:00 in Shanghai
END = D(2020, 1, 31, 16)  # 2020-02-01 00:00 in Shanghai
WUHAN_FROM = D(2020, 1, 9, 16)  # listed from 2020-01-10 (local)
VILLAGE = "430102001001"
OTHER_VILLAGE = "430102002003"


def records(*rows: tuple[str, str, D]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"record_id": number, "person_id": person, "area_code": area, "at": at}
            for number, (person, area, at) in enumerate(rows, start=1)
        ],
        schema=engine.RECORDS_SCHEMA,
    )


def residents(*rows: tuple[str, str, str | None]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"person_id": p, "home_region": home, "grid": grid} for p, home, grid in rows],
        schema=engine.RESIDENTS_SCHEMA,
    )


@pytest.fixture(scope="module")
def duckdb():
    return engine.connect(engine.DUCKDB)


def screen(connection, record_rows, resident_rows, areas, start=START, end=END) -> engine.Result:
    return engine.run(
        engine.table(connection, record_rows, "records"),
        engine.table(connection, resident_rows, "residents"),
        engine.risk_areas_table(areas),
        start=start,
        end=end,
    )


def hits_by_person(result: engine.Result) -> dict[str, dict]:
    return {row["person_id"]: row for row in result.hits.to_pylist()}


HUBEI = [("42", WUHAN_FROM, None)]
EVERYONE = residents(("a", VILLAGE, "G1"), ("b", VILLAGE, None), ("c", OTHER_VILLAGE, "G2"))


def test_prefix_matching_province_prefecture_and_county_window(duckdb):
    areas = [
        ("4201", WUHAN_FROM, None),  # Wuhan only
        ("430602", D(2020, 1, 19, 16), D(2020, 1, 24, 16)),  # a Hunan county high-risk 01-20 … 01-24
    ]
    result = screen(
        duckdb,
        records(
            ("a", "420106", D(2020, 1, 20, 2)),  # a district of Wuhan: hit
            ("b", "4205", D(2020, 1, 20, 2)),  # Yichang, Hubei but not Wuhan: no hit
            ("c", "430602", D(2020, 1, 22, 2)),  # the county inside its window: hit
            ("c", "430602", D(2020, 1, 25, 2)),  # after the county's window: not counted
            ("b", "43060", D(2020, 1, 22, 2)),  # a shorter path never matches a longer area
        ),
        EVERYONE,
        areas,
    )
    found = hits_by_person(result)
    assert set(found) == {"a", "c"}
    assert found["a"]["area_code"] == "420106"
    assert found["c"]["records"] == 1
    # Listing all of Hubei instead catches Yichang too.
    assert set(hits_by_person(screen(duckdb, records(("b", "4205", D(2020, 1, 20))), EVERYONE, HUBEI))) == {
        "b"
    }


def test_window_edges_are_start_inclusive_end_exclusive(duckdb):
    areas = [("4201", D(2020, 1, 19, 16), D(2020, 1, 21, 16))]
    result = screen(
        duckdb,
        records(
            ("a", "4201", D(2020, 1, 19, 16)),  # the first instant of the window
            ("b", "4201", D(2020, 1, 21, 16)),  # the first instant after it
            ("c", "4201", D(2020, 1, 19, 15, 59, 59)),  # just before
        ),
        EVERYONE,
        areas,
    )
    assert set(hits_by_person(result)) == {"a"}


def test_lookback_edges(duckdb):
    result = screen(
        duckdb,
        records(
            ("a", "4201", START),  # first instant of the look-back
            ("b", "4201", START - dt.timedelta(seconds=1)),  # before it
            ("c", "4201", END),  # the day after as_of
        ),
        EVERYONE,
        HUBEI,
    )
    assert set(hits_by_person(result)) == {"a"}


def test_deduplicated_per_person_with_overlapping_areas_and_last_area(duckdb):
    areas = [*HUBEI, ("4201", WUHAN_FROM, None)]  # Hubei and Wuhan both listed
    result = screen(
        duckdb,
        records(
            ("a", "420106", D(2020, 1, 18, 1)),
            ("a", "420106", D(2020, 1, 20, 1)),
            ("a", "420502", D(2020, 1, 20, 1)),  # same instant elsewhere: the greater code wins
            ("a", "110101", D(2020, 1, 21, 1)),  # Beijing is no risk area
        ),
        EVERYONE,
        areas,
    )
    hit = hits_by_person(result)["a"]
    assert hit["records"] == 3  # each record once although Wuhan lies in both areas
    assert hit["first_seen"] == D(2020, 1, 18, 1)
    assert hit["last_seen"] == D(2020, 1, 20, 1)
    assert hit["area_code"] == "420502"
    assert (hit["home_region"], hit["grid"]) == (VILLAGE, "G1")


def test_non_residents_and_no_risk_areas_screen_nobody(duckdb):
    result = screen(duckdb, records(("stranger", "4201", D(2020, 1, 20))), EVERYONE, HUBEI)
    assert result.hits.num_rows == 0
    empty = screen(duckdb, records(("a", "4201", D(2020, 1, 20))), EVERYONE, [])
    assert empty.hits.num_rows == 0 and empty.tallies.num_rows == 0
    assert empty.hits.schema == engine.HITS_SCHEMA


def test_tallies_per_level_and_grid(duckdb):
    result = screen(
        duckdb,
        records(
            ("a", "4201", D(2020, 1, 20)),
            ("a", "4201", D(2020, 1, 21)),
            ("b", "4201", D(2020, 1, 20)),
            ("c", "4201", D(2020, 1, 20)),
        ),
        EVERYONE,
        HUBEI,
    )
    tallies = {(row["level"], row["code"]): row["persons"] for row in result.tallies.to_pylist()}
    assert tallies == {
        ("prefecture", "4301"): 3,
        ("county", "430102"): 3,
        ("township", "430102001"): 2,
        ("township", "430102002"): 1,
        ("village", VILLAGE): 2,
        ("village", OTHER_VILLAGE): 1,
        ("grid", "G1"): 1,
        ("grid", "G2"): 1,
    }


def generated(seed: int = 7, people: int = 300, rows: int = 4000) -> tuple[pa.Table, pa.Table, list]:
    """Random records over a few areas, with ties in time, repeats and non-residents."""
    rng = random.Random(seed)
    areas = ["42", "4201", "420106", "420502", "430602", "430602001", "110101", "4403"]
    villages = ["430102001001", "430102001002", "430103002001", "430602001001"]
    people_rows = [
        (f"p{n:04d}", rng.choice(villages), rng.choice([None, "G1", "G2", "G3"])) for n in range(people)
    ]
    record_rows = [
        (
            f"p{rng.randrange(people + 50):04d}",
            rng.choice(areas[1:]),
            D(2020, 1, 10) + dt.timedelta(hours=rng.randrange(0, 30 * 24, 3)),
        )
        for _ in range(rows)
    ]
    windows = [
        ("42", WUHAN_FROM, None),
        ("4201", WUHAN_FROM, None),
        ("430602", D(2020, 1, 19, 16), D(2020, 1, 24, 16)),
        ("430602001", D(2020, 1, 25, 16), D(2020, 1, 27, 16)),
    ]
    return records(*record_rows), residents(*people_rows), windows


@pytest.fixture(scope="module")
def spark():
    connection = engine.connect(engine.PYSPARK)
    yield connection
    engine.spark_session().stop()
    engine.spark_session.cache_clear()


@pytest.mark.slow
def test_duckdb_and_pyspark_give_identical_results(duckdb, spark):
    record_rows, resident_rows, windows = generated()
    on_duckdb = screen(duckdb, record_rows, resident_rows, windows)
    on_spark = screen(spark, record_rows, resident_rows, windows)
    assert on_duckdb.hits.num_rows > 50
    assert on_duckdb.hits.schema == on_spark.hits.schema == engine.HITS_SCHEMA
    assert on_duckdb.tallies.to_pylist() == on_spark.tallies.to_pylist()
    assert on_duckdb.hits.to_pylist() == on_spark.hits.to_pylist()
    assert on_duckdb.equals(on_spark)
