import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from tests.supplies.conftest import OTHER_COUNTY, location, postgres_only, stock

from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AppendOnlyError, AuditEvent
from fangyi.supplies import services
from fangyi.supplies.choices import EntryKind, LocationKind
from fangyi.supplies.models import Balance, LedgerEntry, Posting, Reconciliation
from fangyi.supplies.services import LineIn


def _receive(officer, warehouse, item, quantity, key, **extra):
    return services.stock_receive(
        actor=officer, warehouse_id=warehouse.pk, item_id=item.pk, quantity=quantity, client_key=key, **extra
    )


def _issue(officer, warehouse, item, quantity, key):
    return services.stock_issue(
        actor=officer, warehouse_id=warehouse.pk, item_id=item.pk, quantity=quantity, client_key=key
    )


def _refused(code: str, call, *args, **kwargs) -> DomainError:
    entries, postings = LedgerEntry.objects.count(), Posting.objects.count()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    assert (LedgerEntry.objects.count(), Posting.objects.count()) == (entries, postings)
    return caught.value


# Receipts, issues, balances ------------------------------------------------------------------------


def test_receipts_and_issues_move_the_balance_in_the_same_posting(officer, warehouse, item, key):
    posting = _receive(officer, warehouse, item, 1000, key(), note="from the factory")
    _issue(officer, warehouse, item, 300, key())
    assert stock(warehouse, item) == 700
    entry = LedgerEntry.objects.get(posting=posting)
    assert (entry.kind, entry.quantity, entry.note, entry.posted_by) == (
        EntryKind.RECEIPT,
        1000,
        "from the factory",
        officer,
    )
    assert AuditEvent.objects.filter(action="ledger.post").count() == 2


def test_an_issue_beyond_the_stock_is_refused_and_names_item_and_location(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 100, key())
    error = _refused("ledger.insufficient_stock", _issue, officer, warehouse, item, 101, key())
    assert error.status == 409
    assert "N95" in error.render_message() and str(warehouse) in error.render_message()
    assert stock(warehouse, item) == 100


def test_a_location_that_allows_it_may_go_below_zero(officer, warehouse, item, key):
    store = location(warehouse)
    store.allow_negative = True
    store.save()
    services.ledger_post(
        actor=officer,
        client_key=key(),
        lines=[LineIn(store, item, -50, EntryKind.ISSUE)],
        kind_payload={"op": "issue"},
    )
    assert stock(warehouse, item) == -50


@pytest.mark.parametrize("quantity", [0, -5, 2.5, "2.5", "many", True, None, 10**12])
def test_bad_quantities_are_refused(officer, warehouse, item, key, quantity):
    _refused("quantity.invalid", _receive, officer, warehouse, item, quantity, key())


def test_whole_numbers_given_as_decimals_are_accepted(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 20.0, key())
    assert stock(warehouse, item) == 20


def test_an_item_in_whole_packs_moves_in_multiples_of_its_pack(officer, warehouse, make_item, key):
    boxed = make_item("kit", pack_size=50)
    error = _refused("quantity.not_whole_packs", _receive, officer, warehouse, boxed, 120, key())
    assert "50" in error.render_message()
    _receive(officer, warehouse, boxed, 150, key())
    loose = make_item("gel", pack_size=50, whole_packs=False)
    _receive(officer, warehouse, loose, 7, key())
    assert (stock(warehouse, boxed), stock(warehouse, loose)) == (150, 7)


def test_unknown_item_or_warehouse_is_not_found(officer, warehouse, item, key):
    error = _refused(
        "item.not_found",
        services.stock_receive,
        actor=officer,
        warehouse_id=warehouse.pk,
        item_id=999999,
        quantity=5,
        client_key=key(),
    )
    assert error.status == 404
    for missing in (999999, "nope"):
        _refused(
            "warehouse.not_found",
            services.stock_receive,
            actor=officer,
            warehouse_id=missing,
            item_id=item.pk,
            quantity=5,
            client_key=key(),
        )


def test_a_warehouse_outside_the_jurisdiction_is_not_found(county_officer, make_warehouse, item, key):
    elsewhere = make_warehouse(OTHER_COUNTY)
    with pytest.raises(NotFound):
        _receive(county_officer, elsewhere, item, 5, key())


def test_without_the_capability_stock_cannot_move(make_user, warehouse, item, key):
    official = make_user("county_official", "430102")
    with pytest.raises(PermissionDenied):
        _receive(official, warehouse, item, 5, key())


# Idempotency -------------------------------------------------------------------------------------


def test_the_same_key_and_payload_return_the_earlier_posting_and_write_nothing(officer, warehouse, item, key):
    k = key()
    first = _receive(officer, warehouse, item, 40, k)
    audits = AuditEvent.objects.count()
    assert _receive(officer, warehouse, item, 40, k) == first
    assert stock(warehouse, item) == 40
    assert LedgerEntry.objects.count() == 1 and AuditEvent.objects.count() == audits


def test_the_same_key_with_another_payload_is_refused(officer, warehouse, item, key):
    k = key()
    _receive(officer, warehouse, item, 40, k)
    error = _refused("ledger.key_reused", _receive, officer, warehouse, item, 41, k)
    assert error.status == 409
    _refused("ledger.key_reused", _issue, officer, warehouse, item, 40, k)
    assert stock(warehouse, item) == 40


@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space!", "", None])
def test_a_malformed_client_key_is_refused(officer, warehouse, item, bad):
    _refused("ledger.invalid_key", _receive, officer, warehouse, item, 5, bad)


# Append only -------------------------------------------------------------------------------------


def test_an_entry_can_never_be_changed_or_deleted(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 10, key())
    entry = LedgerEntry.objects.get()
    entry.quantity = 1_000
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(quantity=1_000)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get().quantity == 10


# Adjustments and reversals -----------------------------------------------------------------------


def test_adjustments_are_signed_and_need_a_reason(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 100, key())
    services.stock_adjust(
        actor=officer,
        warehouse_id=warehouse.pk,
        item_id=item.pk,
        quantity=-3,
        reason="damaged",
        client_key=key(),
    )
    assert stock(warehouse, item) == 97
    _refused(
        "ledger.reason.required",
        services.stock_adjust,
        actor=officer,
        warehouse_id=warehouse.pk,
        item_id=item.pk,
        quantity=-3,
        reason=" ",
        client_key=key(),
    )
    _refused(
        "quantity.invalid",
        services.stock_adjust,
        actor=officer,
        warehouse_id=warehouse.pk,
        item_id=item.pk,
        quantity=0,
        reason="count",
        client_key=key(),
    )
    _refused(
        "ledger.insufficient_stock",
        services.stock_adjust,
        actor=officer,
        warehouse_id=warehouse.pk,
        item_id=item.pk,
        quantity=-98,
        reason="lost",
        client_key=key(),
    )


def test_a_reversal_undoes_an_entry_once(officer, warehouse, item, key):
    posting = _receive(officer, warehouse, item, 100, key())
    entry = LedgerEntry.objects.get(posting=posting)
    k = key()
    reversal = services.entry_reverse(actor=officer, entry_id=entry.pk, reason="entered twice", client_key=k)
    assert stock(warehouse, item) == 0
    undo = LedgerEntry.objects.get(posting=reversal)
    assert (undo.kind, undo.quantity, undo.reverses_id) == (EntryKind.REVERSAL, -100, entry.pk)
    # A retry with the same key is the same reversal.
    assert (
        services.entry_reverse(actor=officer, entry_id=entry.pk, reason="entered twice", client_key=k)
        == reversal
    )
    _refused(
        "entry.already_reversed",
        services.entry_reverse,
        actor=officer,
        entry_id=entry.pk,
        reason="again",
        client_key=key(),
    )
    _refused(
        "entry.already_reversed",
        services.entry_reverse,
        actor=officer,
        entry_id=undo.pk,
        reason="undo the undo",
        client_key=key(),
    )
    _refused(
        "entry.not_found", services.entry_reverse, actor=officer, entry_id=10**9, reason="x", client_key=key()
    )


def test_reversing_a_receipt_already_issued_is_refused(officer, warehouse, item, key):
    posting = _receive(officer, warehouse, item, 100, key())
    _issue(officer, warehouse, item, 60, key())
    entry = LedgerEntry.objects.get(posting=posting)
    _refused(
        "ledger.insufficient_stock",
        services.entry_reverse,
        actor=officer,
        entry_id=entry.pk,
        reason="x",
        client_key=key(),
    )


# Reconciliation ----------------------------------------------------------------------------------


def test_reconciliation_passes_when_balances_match_the_ledger(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 100, key())
    _issue(officer, warehouse, item, 30, key())
    run = services.reconcile()
    assert run.mismatches == [] and run.balances_checked == 1 and run.finished_at is not None
    call_command("supplies_reconcile")


def test_reconciliation_catches_a_balance_changed_behind_the_ledger(officer, warehouse, item, key, caplog):
    _receive(officer, warehouse, item, 100, key())
    Balance.objects.filter(location=location(warehouse), item=item).update(quantity=90)
    run = services.reconcile()
    assert run.mismatches == [
        {
            "location": location(warehouse).pk,
            "location_name": str(location(warehouse)),
            "item": item.code,
            "balance": 90,
            "ledger": 100,
        }
    ]
    assert "differs from its ledger" in caplog.text
    with pytest.raises(CommandError) as caught:
        call_command("supplies_reconcile")
    assert caught.value.returncode == 1
    assert Reconciliation.objects.count() == 2


def test_reconciliation_catches_entries_without_a_balance(officer, warehouse, item, key):
    _receive(officer, warehouse, item, 100, key())
    Balance.objects.all().delete()
    assert services.reconcile().mismatches[0]["balance"] is None


# Concurrency -------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issues_never_oversell(committed_regions, officer, warehouse, item, key):
    _receive(officer, warehouse, item, 100, key())
    threads, per_thread, each = 8, 5, 3  # 120 asked for, 100 in stock
    done: list[int] = []
    refused: list[str] = []
    keys = [[key() for _ in range(per_thread)] for _ in range(threads)]
    start = threading.Barrier(threads)

    def run(mine: list[str]) -> None:
        try:
            start.wait()
            for k in mine:
                try:
                    _issue(officer, warehouse, item, each, k)
                    done.append(each)
                except DomainError as error:
                    refused.append(error.code)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(mine,)) for mine in keys]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert set(refused) <= {"ledger.insufficient_stock"}
    assert sum(done) == 99 and len(refused) == threads * per_thread - 33
    assert stock(warehouse, item) == 1
    assert services.reconcile().mismatches == []


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_of_one_key_post_once(committed_regions, officer, warehouse, item, key):
    k = key()
    postings: list[str] = []
    start = threading.Barrier(6)

    def run() -> None:
        try:
            start.wait()
            postings.append(str(_receive(officer, warehouse, item, 10, k)))
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(postings) == 6 and len(set(postings)) == 1
    assert stock(warehouse, item) == 10 and LedgerEntry.objects.count() == 1


def test_in_transit_locations_never_go_below_zero(warehouse):
    assert not location(warehouse, LocationKind.IN_TRANSIT).allow_negative
