import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.supplies.conftest import COUNTY, OTHER_COUNTY

from fangyi.core.errors import DomainError
from fangyi.supplies import selectors, services
from fangyi.supplies.allocation import Need, allocate
from fangyi.supplies.choices import RequestStatus, WarehouseLevel
from fangyi.supplies.models import Allocation, AllocationRun

# Hand-computed examples ----------------------------------------------------------------------------


def test_water_filling_gives_small_needs_in_full_and_shares_the_rest_equally():
    needs = [Need("a", 10, 1), Need("b", 50, 1), Need("c", 100, 1)]
    # Level 40: a gets its 10, the 90 left go 45 and 45 (b's cap of 50 is above 45).
    assert allocate(available=100, reserve=0, pack_size=1, whole_packs=True, needs=needs).shares == {
        "a": 10,
        "b": 45,
        "c": 45,
    }


def test_shares_are_proportional_to_the_weights():
    needs = [Need("a", 1000, 1, weight=1), Need("b", 1000, 1, weight=3)]
    assert allocate(available=100, reserve=0, pack_size=1, whole_packs=True, needs=needs).shares == {
        "a": 25,
        "b": 75,
    }


def test_a_weighted_request_capped_at_its_need_leaves_the_rest_to_the_others():
    needs = [Need("a", 20, 1, weight=3), Need("b", 1000, 1, weight=1), Need("c", 1000, 1, weight=1)]
    # Level 25 per weight would give a 75 > 20: a gets 20, b and c share 80.
    assert allocate(available=100, reserve=0, pack_size=1, whole_packs=True, needs=needs).shares == {
        "a": 20,
        "b": 40,
        "c": 40,
    }


def test_higher_priority_is_served_in_full_before_the_next_tier():
    needs = [Need("icu", 60, 1), Need("ward", 60, 2), Need("street", 60, 4)]
    result = allocate(available=100, reserve=0, pack_size=1, whole_packs=True, needs=needs)
    assert result.shares == {"icu": 60, "ward": 40, "street": 0}
    tiers = [step for step in result.explanation if step["step"] == "tier"]
    assert [(t["tier"], t["supply_before"], t["given"], t["fully_served"]) for t in tiers] == [
        (1, 100, 60, True),
        (2, 40, 40, False),
        (4, 0, 0, False),
    ]


def test_the_reserve_is_kept_back():
    result = allocate(available=100, reserve=30, pack_size=1, whole_packs=True, needs=[Need("a", 500, 1)])
    assert result.shares == {"a": 70}
    assert result.explanation[0] == {
        "step": "supply",
        "available": 100,
        "reserve": 30,
        "supply": 70,
        "pack_size": 1,
    }


def test_whole_packs_round_down_then_leftover_packs_go_to_the_largest_remainders():
    # 7 packs of 10 among three equal needs: 23.33 each → 2 packs each, the 1 pack left goes to the
    # tie broken by id ("a").
    needs = [Need("c", 100, 1), Need("a", 100, 1), Need("b", 100, 1)]
    assert allocate(available=75, reserve=0, pack_size=10, whole_packs=True, needs=needs).shares == {
        "a": 30,
        "b": 20,
        "c": 20,
    }
    # Weighted 1:2 over 9 packs of 10: 30 and 60, exact.
    weighted = [Need("a", 100, 1, weight=1), Need("b", 100, 1, weight=2)]
    assert allocate(available=90, reserve=0, pack_size=10, whole_packs=True, needs=weighted).shares == {
        "a": 30,
        "b": 60,
    }


def test_a_need_that_is_not_whole_packs_gets_at_most_the_packs_inside_it():
    result = allocate(available=1000, reserve=0, pack_size=100, whole_packs=True, needs=[Need("a", 250, 1)])
    assert result.shares == {"a": 200}


def test_an_item_in_loose_units_ignores_the_pack_size():
    result = allocate(available=1000, reserve=0, pack_size=100, whole_packs=False, needs=[Need("a", 250, 1)])
    assert result.shares == {"a": 250}


def test_nothing_to_share():
    result = allocate(available=10, reserve=50, pack_size=1, whole_packs=True, needs=[Need("a", 5, 1)])
    assert result.shares == {"a": 0} and result.explanation[-1] == {"step": "done", "allocated": 0, "left": 0}


# Properties --------------------------------------------------------------------------------------

needs_strategy = st.lists(
    st.builds(
        Need,
        id=st.text("abcdefgh", min_size=1, max_size=3),
        quantity=st.integers(0, 5_000),
        priority=st.integers(1, 4),
        weight=st.integers(1, 20),
    ),
    max_size=12,
    unique_by=lambda need: need.id,
)


@settings(max_examples=300, deadline=None)
@given(
    available=st.integers(-100, 20_000),
    reserve=st.integers(0, 5_000),
    pack_size=st.integers(1, 60),
    whole_packs=st.booleans(),
    needs=needs_strategy,
)
def test_allocation_properties(available, reserve, pack_size, whole_packs, needs):
    result = allocate(
        available=available, reserve=reserve, pack_size=pack_size, whole_packs=whole_packs, needs=needs
    )
    supply = max(available - reserve, 0)
    pack = pack_size if whole_packs else 1
    shares = result.shares
    # Never more than the supply, nor than any need; never negative; whole packs.
    assert sum(shares.values()) <= supply
    assert set(shares) == {need.id for need in needs}
    for need in needs:
        assert 0 <= shares[need.id] <= need.quantity
        assert shares[need.id] % pack == 0
    # A lower tier gets nothing while a higher one is not fully served (up to whole packs).
    for high in needs:
        if shares[high.id] < high.quantity // pack * pack:
            assert all(shares[low.id] == 0 for low in needs if low.priority > high.priority)
    # Nothing worth a pack is left while someone could take it.
    left = supply - sum(shares.values())
    if any(shares[n.id] + pack <= n.quantity for n in needs):
        assert left < pack
    # Deterministic, whatever the order of the requests.
    shuffled = list(needs)
    random.Random(len(needs)).shuffle(shuffled)
    again = allocate(
        available=available, reserve=reserve, pack_size=pack_size, whole_packs=whole_packs, needs=shuffled
    )
    assert again.shares == shares and again.explanation == result.explanation


@settings(max_examples=200, deadline=None)
@given(supply=st.integers(0, 10_000), needs=needs_strategy)
def test_within_a_tier_no_one_below_their_need_gets_less_per_weight_than_another(supply, needs):
    """Max-min fairness (loose units): a request left short of its need never has a smaller share
    per unit of weight than another of its tier, give or take the one unit of rounding of each."""
    shares = allocate(available=supply, reserve=0, pack_size=1, whole_packs=False, needs=needs).shares
    for short in needs:
        if shares[short.id] < short.quantity:
            for other in needs:
                if other.priority == short.priority:
                    assert (shares[short.id] + 1) * other.weight >= (shares[other.id] - 1) * short.weight


# Allocation runs ---------------------------------------------------------------------------------


@pytest.fixture
def requester(make_user):
    return make_user("county_official", COUNTY, username="requester-s")


@pytest.fixture
def other_requester(make_user):
    return make_user("county_official", OTHER_COUNTY, username="other-requester-s")


def _request(actor, item, quantity, priority, region=COUNTY, weight=1):
    return services.request_create(
        actor=actor,
        region=region,
        item_id=item.pk,
        quantity=quantity,
        priority=priority,
        reason="ICU",
        weight=weight,
    )


def test_a_run_allocates_the_open_requests_and_stores_what_it_used(
    officer, make_warehouse, item, key, requester, other_requester
):
    province = make_warehouse("43", WarehouseLevel.PROVINCE)
    services.stock_receive(
        actor=officer, warehouse_id=province.pk, item_id=item.pk, quantity=100, client_key=key()
    )
    urgent = _request(requester, item, 30, 1)
    a = _request(requester, item, 100, 2, weight=1)
    b = _request(other_requester, item, 100, 2, region=OTHER_COUNTY, weight=3)
    run = services.allocation_run(actor=officer, item_id=item.pk, warehouse_id=province.pk, reserve=10)
    assert run.result == {"shares": {str(urgent.pk): 30, str(a.pk): 15, str(b.pk): 45}, "allocated": 90}
    assert run.inputs["available"] == 100 and run.inputs["reserve"] == 10 and len(run.inputs["requests"]) == 3
    assert services.allocation_replay(run) == run.result
    assert {(x.request_id, x.quantity) for x in Allocation.objects.filter(run=run)} == {
        (urgent.pk, 30),
        (a.pk, 15),
        (b.pk, 45),
    }
    urgent.refresh_from_db()
    a.refresh_from_db()
    assert (urgent.status, urgent.allocated) == (RequestStatus.ALLOCATED, 30)
    assert (a.status, a.allocated) == (RequestStatus.PARTLY_ALLOCATED, 15)
    # A second run shares only what is still needed; a fully allocated request is no longer open.
    again = services.allocation_run(actor=officer, item_id=item.pk, warehouse_id=province.pk)
    assert str(urgent.pk) not in again.result["shares"]
    assert {r["id"]: r["quantity"] for r in again.inputs["requests"]} == {str(a.pk): 85, str(b.pk): 55}
    assert services.allocation_replay(again) == again.result
    assert selectors.allocation_run_get(actor=officer, run_id=run.pk) == run


def test_a_county_warehouse_serves_only_its_county(officer, warehouse, item, key, requester, other_requester):
    services.stock_receive(
        actor=officer, warehouse_id=warehouse.pk, item_id=item.pk, quantity=100, client_key=key()
    )
    mine = _request(requester, item, 50, 3)
    _request(other_requester, item, 50, 3, region=OTHER_COUNTY)
    run = services.allocation_run(actor=officer, item_id=item.pk, warehouse_id=warehouse.pk)
    assert run.result["shares"] == {str(mine.pk): 50}


@pytest.mark.parametrize("reserve", [-1, 1.5, "x"])
def test_a_bad_reserve_is_refused(officer, warehouse, item, reserve):
    with pytest.raises(DomainError) as caught:
        services.allocation_run(actor=officer, item_id=item.pk, warehouse_id=warehouse.pk, reserve=reserve)
    assert caught.value.code == "quantity.invalid"
    assert not AllocationRun.objects.exists()


def test_a_run_of_an_unknown_item_or_warehouse_is_not_found(officer, warehouse, item):
    with pytest.raises(DomainError) as caught:
        services.allocation_run(actor=officer, item_id=10**6, warehouse_id=warehouse.pk)
    assert caught.value.code == "item.not_found"
    with pytest.raises(DomainError) as caught:
        services.allocation_run(actor=officer, item_id=item.pk, warehouse_id=10**6)
    assert caught.value.code == "warehouse.not_found"
