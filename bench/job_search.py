"""Job search latency (湘就业) over many posts: jieba phrase search with filters and the ranking.

    FANGYI_DEBUG=1 .venv/bin/python bench/job_search.py [--posts N] [--quick] [--postgres URL]

Builds its own throwaway database (a temporary SQLite file; with --postgres a new database on that
server, dropped afterwards), loads Hunan's divisions, 2,000 employers over the counties and N job
posts (default 200,000; --quick 20,000) written by the demo's generator with bulk_create (their
search text segmented by jieba, the SQLite FTS5 table rebuilt once). Then runs a fixed set of
realistic searches — words alone, phrases, places, filters by region, occupation and pay, the empty
search — as the API does (the count and the first page of 20, ranked), a warm-up round and then
ROUNDS timed rounds. Prints each search's median and hits, and last `p50_ms=<x> p95_ms=<y>` over
every timed search.
"""

import argparse
import os
import random
import statistics
import time

from _backends import throwaway_database

EMPLOYERS = 2_000
BATCH = 5_000
PAGE = 20
SEARCHES: list[dict[str, object]] = [
    {"q": "普工"},
    {"q": "电工"},
    {"q": "护工"},
    {"q": "长沙"},
    {"q": "叉车司机"},
    {"q": "养老护理员"},
    {"q": "数控车工"},
    {"q": "包吃包住"},
    {"q": "保安", "region": "430102"},
    {"q": "电工", "region": "4301"},
    {"q": "普工", "salary": 5000},
    {"q": "厨师", "region": "430102", "near": "430102"},
    {"q": "保安员", "occupation": "4-07-05-01"},
    {"q": '叉车" OR 1'},
    {"q": "飞行员"},
    {"q": ""},
    {"q": "", "region": "4303", "salary": 6000},
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=200_000, help="job posts (default 200,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 posts, 3 rounds")
    parser.add_argument("--postgres", metavar="URL", help="run on a new database of this PostgreSQL server")
    args = parser.parse_args()
    backend = "postgres" if args.postgres else "sqlite"
    os.environ.pop("DATABASE_URL", None)
    with throwaway_database(backend, args.postgres):
        _bench(backend, 20_000 if args.quick else args.posts, 3 if args.quick else 5)


def _bench(backend: str, count: int, rounds: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangyi.core import clock
    from fangyi.demo.jobs import generate_posts, make_employers
    from fangyi.employment import selectors
    from fangyi.employment.models import JobPost
    from fangyi.employment.search import reindex
    from fangyi.regions.services import regions_load

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    regions_load()
    rng = random.Random(2020)
    employers = make_employers(EMPLOYERS, rng)
    batch: list[JobPost] = []
    for post in generate_posts(employers, count, rng, now=clock.now()):
        batch.append(post)
        if len(batch) == BATCH:
            JobPost.objects.bulk_create(batch)
            batch = []
    JobPost.objects.bulk_create(batch)
    reindex()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"[{backend}] {count:,} posts of {EMPLOYERS:,} employers; set-up {time.monotonic() - started:.1f} s",
        flush=True,
    )

    def run(search: dict[str, object]) -> tuple[float, int]:
        begun = time.perf_counter()
        found = selectors.job_search(**search)  # type: ignore[arg-type]
        hits = found.count()
        list(found[:PAGE])
        return (time.perf_counter() - begun) * 1000, hits

    for search in SEARCHES:  # warm-up: jieba's dictionary, the page cache
        run(search)
    timings: dict[int, list[float]] = {index: [] for index in range(len(SEARCHES))}
    hits: dict[int, int] = {}
    for _round in range(rounds):
        for index, search in enumerate(SEARCHES):
            elapsed, hits[index] = run(search)
            timings[index].append(elapsed)
    for index, search in enumerate(SEARCHES):
        label = " ".join(f"{key}={value}" for key, value in search.items())
        print(f"  {label:<40} {hits[index]:>8,} hits  median {statistics.median(timings[index]):7.1f} ms")
    every = sorted(value for values in timings.values() for value in values)
    p50 = statistics.median(every)
    p95 = every[min(len(every) - 1, round(0.95 * (len(every) - 1)))]
    print(f"p50_ms={p50:.1f} p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
