"""The stock ledger under load: postings per second on PostgreSQL with concurrent clients, against
pgbench's simple-update transactions on the same server in the same run.

    FANGYI_DEBUG=1 .venv/bin/python bench/ledger.py --postgres postgres://postgres@127.0.0.1:5432/
        [--clients 16] [--seconds 20]

Two throwaway databases on the server (created and dropped): in one, pgbench -i then pgbench's
built-in simple-update script (-N: one UPDATE, one SELECT, one INSERT per transaction) with N
clients; in the other, Fangyi migrated with four warehouses and eight items, and N processes, each
with its own connection, posting receipts and issues through `supplies.services`
(idempotency key, balance locks in a fixed order, the no-negative check, entries, balances, audit)
for the same number of seconds. Prints both rates and ledger_ratio=<postings/s / pgbench tps>.
"""

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from _backends import admin_statement, throwaway_database

WAREHOUSES = 4
ITEMS = 8


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (default: DATABASE_URL)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=int, default=20, help="seconds each side runs (default 20)")
    args = parser.parse_args()
    server = args.postgres or os.environ.get("DATABASE_URL", "")
    if not server:
        parser.error("the ledger benchmark runs on PostgreSQL: give --postgres URL or DATABASE_URL")
    os.environ["FANGYI_DEBUG"] = "1"
    os.environ.pop("DATABASE_URL", None)
    tps = pgbench_simple_update(server, args.clients, args.seconds)
    print(f"pgbench simple-update: {tps:,.0f} tps ({args.clients} clients, {args.seconds} s)", flush=True)
    with throwaway_database("postgres", server):
        rate = ledger_postings(args.clients, args.seconds)
    print(f"ledger postings: {rate:,.0f}/s ({args.clients} clients, {args.seconds} s)", flush=True)
    print(f"ledger_ratio={rate / tps:.3f}")


def pgbench_simple_update(server: str, clients: int, seconds: int) -> float:
    """pgbench's simple-update TPS on its own throwaway database of the server."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise SystemExit("pgbench is not installed (Debian: postgresql-client)")
    database = f"fangyi_pgbench_{os.getpid()}"
    url = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    admin_statement(server, f'CREATE DATABASE "{database}"')
    try:
        subprocess.run(
            [pgbench, "-i", "-q", "-s", str(max(1, clients)), url], check=True, capture_output=True
        )
        done = subprocess.run(
            [
                pgbench,
                "-N",
                "-c",
                str(clients),
                "-j",
                str(min(clients, os.cpu_count() or 1)),
                "-T",
                str(seconds),
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        admin_statement(server, f'DROP DATABASE IF EXISTS "{database}"')
    found = re.search(r"tps = ([0-9.]+)", done.stdout)
    if not found:
        raise SystemExit(f"pgbench printed no tps:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def ledger_postings(clients: int, seconds: int) -> float:
    """Receipts and issues posted per second by `clients` threads for `seconds`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangyi.accounts.models import User
    from fangyi.regions.choices import PlaceKind
    from fangyi.regions.models import Place
    from fangyi.regions.services import regions_load
    from fangyi.supplies import services

    call_command("migrate", verbosity=0)
    regions_load()
    actor = User.objects.create_superuser("bench", password=None)
    items = [
        services.item_create(actor=actor, code=f"item-{n}", name=f"物资{n}", category="protection", unit="只")
        for n in range(ITEMS)
    ]
    warehouses = []
    for n in range(WAREHOUSES):
        place = Place.objects.create(name=f"储备库{n}", kind=PlaceKind.WAREHOUSE, region_id="430102")
        warehouses.append(services.warehouse_register(actor=actor, place_id=place.pk, level="province"))
    for warehouse in warehouses:
        for item in items:
            services.stock_receive(
                actor=actor,
                warehouse_id=warehouse.pk,
                item_id=item.pk,
                quantity=10_000_000,
                client_key=_key(),
            )
    # Forked clients each open their own connection; none may inherit the parent's.
    connection.close()
    done = multiprocessing.get_context("fork").Array("q", clients)
    started = time.monotonic()
    workers = [
        multiprocessing.get_context("fork").Process(
            target=_client, args=(number, clients, started + seconds, actor, warehouses, items, done)
        )
        for number in range(clients)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    if any(worker.exitcode for worker in workers):
        raise SystemExit("a ledger client failed (its traceback is above)")
    return sum(done) / elapsed


def _client(number: int, clients: int, stop: float, actor, warehouses, items, done) -> None:
    """One client: receipts and issues of one unit, turn by turn over the warehouses and items."""
    from django.conf import settings

    from fangyi.supplies import services

    settings.DEBUG = False  # no query log: the benchmark measures the postings, not the logging
    turn = number
    while time.monotonic() < stop:
        warehouse = warehouses[turn % WAREHOUSES]
        item = items[(turn // WAREHOUSES) % ITEMS]
        post = services.stock_receive if turn % 2 else services.stock_issue
        post(actor=actor, warehouse_id=warehouse.pk, item_id=item.pk, quantity=1, client_key=_key())
        done[number] += 1
        turn += clients


def _key() -> str:
    return f"bench-{uuid.uuid4().hex}"


if __name__ == "__main__":
    main()
