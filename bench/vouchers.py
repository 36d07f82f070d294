"""Consumption vouchers (湘消费) under load on PostgreSQL: a first-come claim surge, and redemptions
per second with concurrent clients against pgbench's simple-update transactions on the same server
in the same run.

    FANGYI_DEBUG=1 .venv/bin/python bench/vouchers.py [--quick] [--postgres URL]
        [--claimers N] [--vouchers N] [--held N] [--clients 32] [--seconds 30]

PostgreSQL only (--postgres or DATABASE_URL). In a throwaway database (created, migrated, dropped):
Hunan's divisions; N residents (default 100,000; --quick 5,000) in Changsha's villages, each with
a valid encrypted identity number and a resident login (unusable password), written with
bulk_create; one shop per client registered by its merchant login and approved by the city.

- claim surge: a first-come programme of `--vouchers` vouchers (default 10,000; --quick 500), one
  a person, and `--clients` concurrent clients calling `vouchers.services.voucher_claim` once for
  each resident, all at once. It checks that exactly the stock was claimed, nothing is left, every
  other claimer was refused claim.sold_out and nobody holds more than the limit, and prints the
  calls per second and how long the stock lasted.
- redemptions: a second programme whose `--held` vouchers (default 20,000; --quick 1,000) are held
  by as many residents; pgbench's simple-update script (-N) runs with `--clients` clients for
  `--seconds` on its own throwaway database of the server, then `--clients` clients redeem
  through `vouchers.services.voucher_redeem`, each its own shop's distinct orders, for the same
  time. It checks that the ledger's trial balance is zero and that the redemptions written are the
  calls that succeeded.

The last line is claims_per_s=… redemptions_per_s=… pgbench_tps=… ratio=<redemptions/s ÷ tps>.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import threading
import time
from typing import Any

from _backends import throwaway_database
from ledger import pgbench_simple_update

CITY = "4301"  # 长沙市: the programmes' region, the residents' and the shops'
BATCH = 5_000
FACE_FEN = 2_000  # ¥20 off
THRESHOLD_FEN = 10_000  # a spend of ¥100 or more
ORDER_FEN = 12_800
# Clients are threads, each with its own connection, in a forked process per core: the ORM's work is
# Python under one interpreter lock per process, so one process would use one core, and a process
# per client (32 on 2 cores) spent its time switching: 2.5 times fewer calls a second than 2 × 16.
FORK = multiprocessing.get_context("fork")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claimers", type=int, default=100_000, help="residents claiming (default 100,000)")
    parser.add_argument("--vouchers", type=int, default=10_000, help="vouchers to claim (default 10,000)")
    parser.add_argument(
        "--held", type=int, default=20_000, help="vouchers held for redeeming (default 20,000)"
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of redeeming and of pgbench (30)")
    parser.add_argument(
        "--quick", action="store_true", help="5,000 claimers, 500 vouchers, 1,000 held, 5 seconds"
    )
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (default: DATABASE_URL)")
    args = parser.parse_args()
    if args.quick:
        args.claimers, args.vouchers, args.held, args.seconds = 5_000, 500, 1_000, 5
    server = args.postgres or os.environ.get("DATABASE_URL", "")
    if not server:
        parser.error("the vouchers benchmark runs on PostgreSQL: give --postgres URL or DATABASE_URL")
    if not args.vouchers <= args.claimers or not args.held <= args.claimers:
        parser.error("--vouchers and --held cannot exceed --claimers (one voucher a resident)")
    os.environ["FANGYI_DEBUG"] = "1"
    os.environ.pop("DATABASE_URL", None)
    with throwaway_database("postgres", server):
        _bench(server, args)


def _bench(server: str, args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from fangyi.accounts.models import User
    from fangyi.regions.services import regions_load

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    regions_load()
    official = User.objects.create_superuser("bench", password=None)
    residents = _residents(args.claimers)
    shops = _shops(official, args.clients)
    surge = _program(official, "抢券", args.vouchers)
    held = _program(official, "持券", args.held)
    codes = _hold(held, residents[: args.held])
    settings.DEBUG = False  # no query log: the clients measure the services, not the logging
    print(
        f"set-up {time.monotonic() - started:.1f} s: {len(residents):,} residents, {len(shops)} shops, "
        f"{args.vouchers:,} vouchers to claim, {len(codes):,} held",
        flush=True,
    )

    claims_per_s = _surge(surge, residents, args.clients, args.vouchers)
    tps = pgbench_simple_update(server, args.clients, args.seconds)
    print(f"pgbench simple-update: {tps:,.0f} tps ({args.clients} clients, {args.seconds} s)", flush=True)
    redemptions_per_s = _redemptions(held, shops, codes, args.clients, args.seconds)
    print(
        f"claims_per_s={claims_per_s:.0f} redemptions_per_s={redemptions_per_s:.0f} "
        f"pgbench_tps={tps:.0f} ratio={redemptions_per_s / tps:.4f}"
    )


def _residents(count: int) -> list[int]:
    """`count` residents of Changsha's villages, each with a resident login; their users' ids."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from fangyi.accounts.choices import Role
    from fangyi.accounts.models import RoleAssignment, User
    from fangyi.core import pii
    from fangyi.core.validators import id_check_char, parse_id_number
    from fangyi.people.models import Person
    from fangyi.regions.choices import Level
    from fangyi.regions.models import Region

    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=CITY).values_list("code", flat=True)
    )
    unusable = make_password(None)  # nobody signs in: the services get the resident's User
    born = dt.date(1960, 1, 1)
    users: list[int] = []
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        with transaction.atomic():
            batch = User.objects.bulk_create(
                User(username=f"resident{n}", password=unusable, display_name=f"居民{n}") for n in numbers
            )
            homes = [villages[n % len(villages)] for n in numbers]
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user=user, role=Role.RESIDENT, region_id=home)
                for user, home in zip(batch, homes, strict=True)
            )
            people = []
            for n, user, home in zip(numbers, batch, homes, strict=True):
                # 1,000 sequence numbers a birth day, the check character computed: all valid and distinct.
                first17 = f"{CITY}02{(born + dt.timedelta(days=n // 1000)):%Y%m%d}{n % 1000:03d}"
                number = parse_id_number(first17 + id_check_char(first17))
                people.append(
                    Person(
                        name=f"居民{n}",
                        sex=number.sex,
                        birth_date=number.birth_date,
                        id_number_encrypted=pii.encrypt(number.value),
                        id_number_hash=pii.lookup_hash("id", number.value),
                        id_number_masked=number.masked,
                        home_region_id=home,
                        user=user,
                        synthetic=True,
                    )
                )
            Person.objects.bulk_create(people)
        users.extend(user.pk for user in batch)
    return users


def _shops(official: Any, count: int) -> list[tuple[int, int]]:
    """`count` catering shops over Changsha's counties, each registered by its merchant login and
    approved by the city: (merchant id, login id) pairs."""
    from fangyi.accounts.choices import Role
    from fangyi.accounts.models import RoleAssignment, User
    from fangyi.regions.choices import Level
    from fangyi.regions.models import Region
    from fangyi.vouchers.merchants import merchant_register, merchant_review

    counties = list(
        Region.objects.filter(level=Level.COUNTY, code__startswith=CITY).values_list("code", flat=True)
    )
    shops = []
    for n in range(count):
        county = counties[n % len(counties)]
        login = User.objects.create_user(f"shop{n}", password=None)
        RoleAssignment.objects.create(user=login, role=Role.MERCHANT, region_id=county)
        merchant = merchant_register(
            actor=login, name=f"饭店{n}", category="catering", small_micro=True, region=county
        )
        merchant_review(actor=official, merchant_id=merchant.pk, decision="approve")
        shops.append((merchant.pk, login.pk))
    return shops


def _program(official: Any, name: str, stock: int) -> int:
    """A published first-come programme of Changsha, open now, of `stock` ¥20-off-¥100 vouchers."""
    from fangyi.core import clock
    from fangyi.vouchers import services

    now = clock.now()
    program = services.program_create(
        actor=official,
        name=name,
        funder_kind="government",
        funder="长沙市人民政府",
        region=CITY,
        regions=[CITY],
        budget_fen=FACE_FEN * stock,
        categories=["catering"],
        claiming="first_come",
        per_person_limit=1,
        claim_opens=now - dt.timedelta(minutes=1),
        claim_closes=now + dt.timedelta(days=1),
        valid_from=now - dt.timedelta(minutes=1),
        valid_until=now + dt.timedelta(days=30),
        denominations=[{"face_value_fen": FACE_FEN, "threshold_fen": THRESHOLD_FEN, "stock": stock}],
    )
    services.program_publish(actor=official, program_id=program.pk)
    return program.pk


def _hold(program_id: int, users: list[int]) -> list[str]:
    """The programme's whole stock held, one voucher by each of `users`' residents: the codes."""
    from django.db import transaction
    from django.db.models import F

    from fangyi.people.models import Person
    from fangyi.vouchers.models import Denomination, Voucher
    from fangyi.vouchers.services import voucher_code

    denomination = Denomination.objects.get(program_id=program_id)
    holders = dict(Person.objects.filter(user_id__in=users).values_list("user_id", "pk"))
    homes = dict(Person.objects.filter(user_id__in=users).values_list("user_id", "home_region_id"))
    codes: list[str] = []
    with transaction.atomic():
        for start in range(0, len(users), BATCH):
            vouchers = [
                Voucher(
                    code=voucher_code(),
                    program_id=program_id,
                    denomination=denomination,
                    holder_id=holders[user],
                    slot=1,
                    claimed_in_id=homes[user],
                )
                for user in users[start : start + BATCH]
            ]
            Voucher.objects.bulk_create(vouchers)
            codes.extend(voucher.code for voucher in vouchers)
        Denomination.objects.filter(pk=denomination.pk).update(remaining=F("remaining") - len(codes))
    return codes


def _run(clients: int, prepare: Any, shares: list[Any]) -> tuple[float, float]:
    """Run `clients` clients: work = prepare(number, share) in the client's process, then work() in
    a thread of its own, all started together. Returns the moment they started and the seconds to
    the last one's end."""
    from django.db import connections

    connections.close_all()  # each client opens its own connection; none may inherit the parent's
    processes = min(clients, os.cpu_count() or 1)
    barrier = FORK.Barrier(processes + 1)

    def process(numbers: range) -> None:
        works = [prepare(number, shares[number]) for number in numbers]
        connections.close_all()
        failed: list[BaseException] = []

        def thread(work: Any) -> None:
            try:
                work()
            except BaseException as error:
                failed.append(error)
                raise
            finally:
                connections.close_all()

        threads = [threading.Thread(target=thread, args=(work,)) for work in works]
        barrier.wait()
        for each in threads:
            each.start()
        for each in threads:
            each.join()
        sys.exit(1 if failed else 0)

    workers = [
        FORK.Process(target=process, args=(range(first, clients, processes),)) for first in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=300)
    started = time.monotonic()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    if any(worker.exitcode for worker in workers):
        raise SystemExit("a client failed (its traceback is above)")
    return started, elapsed


def _surge(program_id: int, users: list[int], clients: int, stock: int) -> float:
    """Every resident claims once, `clients` at a time; the claims per second."""
    from django.db.models import Count

    from fangyi.vouchers.models import Denomination, Voucher

    claimed = FORK.Array("q", clients)
    sold_out = FORK.Array("q", clients)
    last = FORK.Array("d", clients)  # when each client's last successful claim returned

    def prepare(number: int, share: list[int]) -> Any:
        from fangyi.accounts.models import User
        from fangyi.core.errors import DomainError
        from fangyi.vouchers.services import voucher_claim

        # Each resident's login with its roles, as a signed-in request has it.
        actors = list(User.objects.filter(pk__in=share).prefetch_related("role_assignments"))

        def work() -> None:
            for actor in actors:
                try:
                    voucher_claim(actor=actor, program_id=program_id)
                except DomainError as error:  # the stock running out is the only refusal expected
                    if error.code != "claim.sold_out":
                        raise
                    sold_out[number] += 1
                else:
                    claimed[number] += 1
                    last[number] = time.monotonic()

        return work

    started, elapsed = _run(clients, prepare, [users[n::clients] for n in range(clients)])
    claims, refused, lasted = sum(claimed[:]), sum(sold_out[:]), max(last[:]) - started
    vouchers = Voucher.objects.filter(program_id=program_id)
    remaining = Denomination.objects.get(program_id=program_id).remaining
    over = vouchers.values("holder_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    print(
        f"claim surge: {len(users):,} claimers for {stock:,} vouchers, {clients} clients: "
        f"{elapsed:.1f} s, {len(users) / elapsed:,.0f} claims/s; claimed {claims:,} "
        f"(all gone after {lasted:.1f} s: {claims / lasted:,.0f}/s), remaining {remaining:,}, "
        f"sold out {refused:,}, above the limit {over}",
        flush=True,
    )
    assert claims == vouchers.count() == stock, (claims, vouchers.count(), stock)
    assert remaining == 0, remaining
    assert refused == len(users) - stock, refused
    assert over == 0, over
    return len(users) / elapsed


def _redemptions(
    program_id: int, shops: list[tuple[int, int]], codes: list[str], clients: int, seconds: int
) -> float:
    """`clients` shops redeem the held vouchers, each its own orders, for `seconds`; redemptions/s."""
    from fangyi.vouchers import ledger
    from fangyi.vouchers.models import Redemption, Voucher

    done = FORK.Array("q", clients)

    def prepare(number: int, share: tuple[tuple[int, int], list[str]]) -> Any:
        from fangyi.accounts.models import User
        from fangyi.vouchers.services import voucher_redeem

        (merchant_id, login_id), mine = share
        actor = User.objects.prefetch_related("role_assignments").get(pk=login_id)

        def work() -> None:
            stop = time.monotonic() + seconds
            for order, code in enumerate(mine):
                if time.monotonic() >= stop:
                    break
                _redemption, created = voucher_redeem(
                    actor=actor,
                    merchant_id=merchant_id,
                    code=code,
                    order_no=f"B{number:02d}-{order:06d}",
                    order_amount_fen=ORDER_FEN,
                )
                assert created
                done[number] += 1

        return work

    shares = [(shops[n], codes[n::clients]) for n in range(clients)]
    _started, elapsed = _run(clients, prepare, shares)
    total = sum(done[:])
    redeemed = Redemption.objects.filter(voucher__program_id=program_id).count()
    balance = ledger.trial_balance()
    spent = Voucher.objects.filter(program_id=program_id, status="redeemed").count()
    print(
        f"redemptions: {clients} shops, {seconds} s: {total:,} in {elapsed:.1f} s, "
        f"{total / elapsed:,.0f}/s; redemptions written {redeemed:,}, vouchers redeemed "
        f"{spent:,}, trial balance {balance}",
        flush=True,
    )
    assert redeemed == spent == total, (redeemed, spent, total)
    assert balance == 0, balance
    if total == len(codes):
        print("(every held voucher was redeemed before the time ran out: give --held more)")
    return total / elapsed


if __name__ == "__main__":
    main()
