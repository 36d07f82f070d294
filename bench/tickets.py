"""Problem tickets' SLA state at scale: the full recomputation from every event log against the
daily incremental check.

    FANGYI_DEBUG=1 .venv/bin/python bench/tickets.py [--tickets N] [--quick] [--postgres URL]

Builds its own throwaway database (a temporary SQLite file; with --postgres or DATABASE_URL also a
new database on that server, dropped afterwards), loads Hunan's divisions, 1,300 enterprises over
the counties and N tickets (default 130,000, --quick 20,000) opened from 3 February to 20 March
2020 with their event logs (opened; a third waited on the enterprise and were answered; some
escalated and annotated; most resolved, most of those closed), inserted with bulk_create. The
cached SLA state is computed once as of Monday 23 March 2020, 08:00, and Monday's daily check run
(escalating what was overdue then). Then, from that state, on
Tuesday 24 March 08:00:

- full: `tickets_evaluate_all` — every event streamed in ticket order, every ticket evaluated, the
  ones whose state changed written back in batches;
- daily: `tickets_check_daily` — only the running tickets that can have changed (past their
  at-risk point or deadline, overdue below the province), re-evaluated and escalated.

Prints both times, how many tickets each touched, and daily_speedup=<full / daily>.
Each backend runs in its own process.
"""

import argparse
import datetime as dt
import os
import random
import time

from _backends import run_each_backend, throwaway_database

ENTERPRISES = 1_300
FIRST = dt.date(2020, 2, 3)
DAYS = 47  # to 20 March
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=130_000, help="tickets (default 130,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 tickets")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (default: DATABASE_URL)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = 20_000 if args.quick else args.tickets
    if args.child:
        with throwaway_database(args.child, args.postgres):
            _bench(args.child, count)
        return
    run_each_backend(__file__, ["--tickets", str(count)], args.postgres or os.environ.get("DATABASE_URL", ""))


def _bench(backend: str, count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from fangyi.core import clock
    from fangyi.regions.services import regions_load
    from fangyi.resumption.models import ProblemTicket, TicketEvent
    from fangyi.resumption.tickets import tickets_check_daily, tickets_evaluate_all

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    regions_load()
    events = _insert(count)
    monday = dt.datetime(2020, 3, 23, 8, tzinfo=clock.SHANGHAI)
    tuesday = monday + dt.timedelta(days=1)
    tickets_evaluate_all(now=monday)
    tickets_check_daily(now=monday)  # Monday's round, as cron ran it
    running = ProblemTicket.objects.filter(status="open").count()
    print(
        f"[{backend}] {count:,} tickets, {events:,} events, {running:,} running on Monday; "
        f"set-up {time.monotonic() - started:.1f} s",
        flush=True,
    )
    t0 = time.monotonic()
    evaluated = tickets_evaluate_all(now=tuesday)
    full = time.monotonic() - t0
    changed = ProblemTicket.objects.filter(sla_checked_at=tuesday).count()
    tickets_evaluate_all(now=monday)  # back to Monday's state
    escalations = TicketEvent.objects.filter(kind="escalated").count()
    t0 = time.monotonic()
    done = tickets_check_daily(now=tuesday)
    daily = time.monotonic() - t0
    assert TicketEvent.objects.filter(kind="escalated").count() == escalations + done["escalated"]
    print(f"[{backend}] full:  {full:7.2f} s  ({evaluated:,} evaluated, {changed:,} changed)")
    print(
        f"[{backend}] daily: {daily:7.2f} s  ({done['checked']:,} checked, {done['changed']:,} changed, "
        f"{done['at_risk']:,} due soon, {done['overdue']:,} overdue, {done['escalated']:,} escalated)"
    )
    print(f"[{backend}] daily_speedup={full / daily:.1f}", flush=True)


def _insert(count: int) -> int:
    """Enterprises, tickets and their event logs with bulk_create; returns the number of events."""
    from django.db import transaction

    from fangyi.core import clock
    from fangyi.regions.choices import Kind, Level
    from fangyi.regions.models import Region
    from fangyi.resumption.models import Enterprise, ProblemTicket, TicketEvent

    rng = random.Random(2020)
    counties = list(
        Region.objects.filter(level=Level.COUNTY)
        .exclude(kind=Kind.FUNCTIONAL_ZONE)
        .values_list("code", flat=True)
    )
    with transaction.atomic():
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(
                credit_code=f"9143{n:014d}",
                name=f"企业{n}",
                industry="manufacturing",
                region_id=counties[n % len(counties)],
                workforce=100,
            )
            for n in range(ENTERPRISES)
        )
    ids = [e.pk for e in enterprises]
    priorities = ["urgent"] * 1 + ["high"] * 3 + ["normal"] * 5 + ["low"] * 1
    events = 0
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        tickets, logs = [], []
        for _n in range(size):
            opened = dt.datetime.combine(
                FIRST + dt.timedelta(days=rng.randrange(DAYS)),
                dt.time(rng.randrange(8, 18), rng.randrange(60)),
                clock.SHANGHAI,
            )
            log, status, level = _log(rng, opened)
            tickets.append(
                ProblemTicket(
                    enterprise_id=rng.choice(ids),
                    category=rng.choice(["labour", "funding", "materials", "logistics", "policy", "other"]),
                    priority=rng.choice(priorities),
                    title="问题",
                    description="描述",
                    status=status,
                    level=level,
                    opened_at=opened,
                    resolution="已解决" if status in ("resolved", "closed") else "",
                    satisfaction=rng.randint(3, 5) if status == "closed" else None,
                )
            )
            logs.append(log)
        with transaction.atomic():
            created = ProblemTicket.objects.bulk_create(tickets)
            rows = [
                TicketEvent(ticket_id=ticket.pk, kind=kind, at=at, level=ticket.level)
                for ticket, log in zip(created, logs, strict=True)
                for kind, at in log
            ]
            TicketEvent.objects.bulk_create(rows, batch_size=BATCH)
        events += len(rows)
    return events


def _log(rng: random.Random, opened: dt.datetime) -> tuple[list[tuple[str, dt.datetime]], str, str]:
    """A plausible event log: (events, status, level). Older tickets are more often resolved."""
    moment, status, level = opened, "open", "county"
    log = [("opened", opened)]

    def step(kind: str, hours: float) -> None:
        nonlocal moment
        moment = moment + dt.timedelta(hours=hours)
        log.append((kind, moment))

    end = dt.datetime(2020, 3, 23, 8, tzinfo=opened.tzinfo)
    if rng.random() < 0.4:
        step("note", rng.uniform(1, 24))
    if rng.random() < 0.33:
        step("waiting", rng.uniform(2, 48))
        status = "waiting"
        if rng.random() < 0.9:
            step("resumed", rng.uniform(4, 96))
            status = "open"
    if status == "open" and rng.random() < 0.12:
        step("escalated", rng.uniform(24, 96))
        level = "prefecture"
    if status == "open" and rng.random() < 0.93:
        step("resolved", rng.uniform(4, 24 * 8))
        status = "resolved"
        if rng.random() < 0.85:
            step("closed", rng.uniform(2, 72))
            status = "closed"
    # Nothing after the moment the benchmark evaluates from.
    log = [(kind, at) for kind, at in log if at < end]
    kinds = [kind for kind, _at in log]
    if "closed" not in kinds:
        status = (
            "resolved"
            if kinds[-1] == "resolved"
            else "waiting"
            if kinds.count("waiting") > kinds.count("resumed")
            else "open"
        )
    if "escalated" not in kinds:
        level = "county"
    # A ticket still running after a week or two has been escalated by the daily checks since.
    age = end - opened
    if status in ("open", "waiting") and age > dt.timedelta(days=6):
        level = "province" if age > dt.timedelta(days=12) else "prefecture"
        log = sorted(
            [e for e in log if e[0] != "escalated"]
            + [("escalated", opened + dt.timedelta(days=5))]
            + ([("escalated", opened + dt.timedelta(days=11))] if level == "province" else []),
            key=lambda e: e[1],
        )
    return log, status, level


if __name__ == "__main__":
    main()
