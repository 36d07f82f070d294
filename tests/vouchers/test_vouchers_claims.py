import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.vouchers.conftest import DAY, HOUR, NOW, OTHER_VILLAGE, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.core import clock, pii
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.vouchers import selectors, services
from fangyi.vouchers.choices import ClaimMode, EligibleGroup, FraudRule, VoucherStatus
from fangyi.vouchers.models import Denomination, FraudFlag, LotteryEntry, Voucher
from fangyi.vouchers.services import CODE_ALPHABET


def _state(program) -> tuple:
    return (
        Voucher.objects.count(),
        LotteryEntry.objects.count(),
        FraudFlag.objects.count(),
        tuple(program.denominations.order_by("pk").values_list("remaining", flat=True)),
    )


def _refused(program, call, **kwargs) -> DomainError:
    """The refusal of `call`, which wrote nothing: no voucher, no entry, the stock untouched."""
    before = _state(program)
    with pytest.raises(DomainError) as excinfo:
        call(**kwargs)
    assert _state(program) == before
    return excinfo.value


def test_claim_takes_one_of_the_first_kind_with_stock(program, resident):
    voucher = services.voucher_claim(actor=resident, program_id=program.pk)
    cheap = program.denominations.order_by("face_value_fen").first()
    assert voucher.denomination == cheap and voucher.holder == resident.person
    assert (voucher.slot, voucher.status, voucher.claimed_in_id) == (1, VoucherStatus.HELD, VILLAGE)
    assert len(voucher.code) == 12 and set(voucher.code) <= set(CODE_ALPHABET)
    assert voucher.claimed_at == NOW
    assert list(program.denominations.order_by("pk").values_list("remaining", flat=True)) == [49, 20]
    assert [v.pk for v in selectors.my_vouchers(resident)] == [voucher.pk]
    assert not FraudFlag.objects.exists()


def test_claim_of_a_chosen_kind_and_then_the_next_kind_when_one_runs_out(make_program, make_resident):
    program = make_program(
        per_person_limit=2,
        denominations=[
            {"face_value_fen": 1000, "threshold_fen": 5000, "stock": 1},
            {"face_value_fen": 3000, "threshold_fen": 9000, "stock": 5},
        ],
    )
    cheap, dear = program.denominations.order_by("face_value_fen")
    first, second = make_resident(), make_resident()
    assert (
        services.voucher_claim(actor=first, program_id=program.pk, denomination_id=dear.pk).denomination
        == dear
    )
    assert services.voucher_claim(actor=first, program_id=program.pk).denomination == cheap
    assert services.voucher_claim(actor=second, program_id=program.pk).denomination == dear
    error = _refused(
        program, services.voucher_claim, actor=second, program_id=program.pk, denomination_id=cheap.pk
    )
    assert (error.code, error.status) == ("claim.sold_out", 409)
    error = _refused(
        program, services.voucher_claim, actor=second, program_id=program.pk, denomination_id=10**6
    )
    assert (error.code, error.status) == ("denomination.not_found", 404)
    assert list(Denomination.objects.order_by("pk").values_list("remaining", flat=True)) == [0, 3]


def test_claim_refuses_past_the_limit_and_when_sold_out(make_program, make_resident):
    program = make_program(denominations=[{"face_value_fen": 1000, "threshold_fen": 5000, "stock": 2}])
    first, second, third = make_resident(), make_resident(), make_resident()
    services.voucher_claim(actor=first, program_id=program.pk)
    error = _refused(program, services.voucher_claim, actor=first, program_id=program.pk)
    assert (error.code, error.status, error.params) == ("claim.limit_reached", 409, {"limit": 1})
    services.voucher_claim(actor=second, program_id=program.pk)
    error = _refused(program, services.voucher_claim, actor=third, program_id=program.pk)
    assert (error.code, error.status) == ("claim.sold_out", 409)
    assert Voucher.objects.filter(holder=third.person).count() == 0


def test_claim_needs_a_resident_login(program, make_user, county_official):
    unlinked = make_user(Role.RESIDENT, VILLAGE)
    error = _refused(program, services.voucher_claim, actor=unlinked, program_id=program.pk)
    assert (error.code, error.status) == ("claim.no_resident", 403)
    assert (
        _refused(program, services.voucher_claim, actor=county_official, program_id=program.pk).status == 403
    )


def test_claim_only_while_published_and_open(make_program, resident, county_official):
    draft = make_program(publish=False)
    error = _refused(draft, services.voucher_claim, actor=resident, program_id=draft.pk)
    assert (error.code, error.status) == ("program.not_found", 404)
    assert (
        _refused(draft, services.voucher_claim, actor=resident, program_id="1; drop").code
        == "program.not_found"
    )
    later = make_program(claim_opens=NOW + HOUR)
    error = _refused(later, services.voucher_claim, actor=resident, program_id=later.pk)
    assert (error.code, error.status) == ("program.not_open", 409)
    program = make_program()
    with clock.frozen_at(NOW + 7 * DAY):
        assert _refused(program, services.voucher_claim, actor=resident, program_id=program.pk).code == (
            "program.not_open"
        )
    services.program_close(actor=county_official, program_id=program.pk)
    assert (
        _refused(program, services.voucher_claim, actor=resident, program_id=program.pk).code
        == "program.not_open"
    )


def test_list_programme_claims_only_by_those_listed(make_program, make_resident, county_official):
    program = make_program(claiming=ClaimMode.LIST, eligible_groups=[EligibleGroup.UNION_MEMBER])
    listed, other = make_resident(), make_resident()
    services.eligibility_add(
        actor=county_official,
        program_id=program.pk,
        group=EligibleGroup.UNION_MEMBER,
        id_numbers=[pii.decrypt(listed.person.id_number_encrypted)],
    )
    error = _refused(program, services.voucher_claim, actor=other, program_id=program.pk)
    assert (error.code, error.status) == ("claim.not_eligible", 409)
    assert services.voucher_claim(actor=listed, program_id=program.pk).holder == listed.person


def test_a_claim_from_outside_the_programme_is_flagged(program, make_resident):
    outsider = make_resident(OTHER_VILLAGE)
    voucher = services.voucher_claim(actor=outsider, program_id=program.pk)
    flag = FraudFlag.objects.get()
    assert (flag.rule, flag.voucher_id, flag.holder_id) == (
        FraudRule.OUT_OF_REGION,
        voucher.pk,
        outsider.person.pk,
    )


def test_claim_is_a_handful_of_queries(program, resident):
    resident.prefixes_for("vouchers.claim")
    with CaptureQueriesContext(connection) as queries:
        services.voucher_claim(actor=resident, program_id=program.pk)
    # resident, programme, kinds with stock, slot, insert, the out-of-region screen, decrement,
    # and the savepoint around them
    assert len(queries) <= 9, [q["sql"] for q in queries]


# Lottery -----------------------------------------------------------------------------------------


@pytest.fixture
def lottery(make_program):
    return make_program(
        claiming=ClaimMode.LOTTERY,
        per_person_limit=2,
        claim_closes=NOW + DAY,
        denominations=[
            {"face_value_fen": 1000, "threshold_fen": 5000, "stock": 2},
            {"face_value_fen": 2000, "threshold_fen": 8000, "stock": 3},
        ],
    )


def test_lottery_entry_once_and_no_claim(lottery, program, resident):
    entry = services.lottery_enter(actor=resident, program_id=lottery.pk)
    assert (entry.person_id, entry.region_id, entry.won) == (resident.person.pk, VILLAGE, None)
    error = _refused(lottery, services.lottery_enter, actor=resident, program_id=lottery.pk)
    assert (error.code, error.status) == ("lottery.entered", 409)
    error = _refused(lottery, services.voucher_claim, actor=resident, program_id=lottery.pk)
    assert (error.code, error.status) == ("claim.lottery", 409)
    error = _refused(program, services.lottery_enter, actor=resident, program_id=program.pk)
    assert (error.code, error.status) == ("lottery.not_lottery", 409)
    with clock.frozen_at(NOW + DAY):
        assert _refused(lottery, services.lottery_enter, actor=resident, program_id=lottery.pk).code == (
            "program.not_open"
        )


def test_lottery_draw_shares_the_stock_round_by_round(lottery, make_resident, county_official):
    entrants = [make_resident() for _ in range(3)]
    for user in entrants:
        services.lottery_enter(actor=user, program_id=lottery.pk)
    with clock.frozen_at(NOW + DAY):
        result = services.lottery_draw(actor=county_official, program_id=lottery.pk, seed=7)
    # Five vouchers, three entrants, two each at most: each wins one, then two of them a second.
    assert (result.entries, result.winners, result.issued) == (3, 3, 5)
    slots = sorted(Voucher.objects.filter(program=lottery).values_list("slot", flat=True))
    assert slots == [1, 1, 1, 2, 2]
    assert list(lottery.denominations.values_list("remaining", flat=True)) == [0, 0]
    assert set(LotteryEntry.objects.values_list("won", flat=True)) == {True}
    lottery.refresh_from_db()
    assert lottery.drawn_at == NOW + DAY
    audit = AuditEvent.objects.get(action="voucher_program.lottery_draw")
    assert audit.data["seed"] == 7
    with clock.frozen_at(NOW + DAY):
        error = _refused(lottery, services.lottery_draw, actor=county_official, program_id=lottery.pk)
    assert (error.code, error.status) == ("lottery.drawn", 409)


def test_lottery_draw_picks_winners_when_entrants_outnumber_the_stock(
    lottery, make_resident, county_official
):
    entrants = [make_resident() for _ in range(8)]
    for user in entrants:
        services.lottery_enter(actor=user, program_id=lottery.pk)
    with clock.frozen_at(NOW + DAY):
        result = services.lottery_draw(actor=county_official, program_id=lottery.pk, seed=1)
    assert (result.entries, result.winners, result.issued) == (8, 5, 5)
    winners = set(Voucher.objects.values_list("holder_id", flat=True))
    assert winners == set(LotteryEntry.objects.filter(won=True).values_list("person_id", flat=True))
    assert LotteryEntry.objects.filter(won=False).count() == 3


def test_the_same_seed_draws_the_same_winners(make_program, lottery, make_resident, county_official):
    twin = make_program(
        claiming=ClaimMode.LOTTERY,
        per_person_limit=2,
        claim_closes=NOW + DAY,
        denominations=[
            {"face_value_fen": 1000, "threshold_fen": 5000, "stock": 2},
            {"face_value_fen": 2000, "threshold_fen": 8000, "stock": 3},
        ],
    )
    entrants = [make_resident() for _ in range(8)]
    for program in (lottery, twin):
        for user in entrants:
            services.lottery_enter(actor=user, program_id=program.pk)
    with clock.frozen_at(NOW + DAY):
        for program in (lottery, twin):
            services.lottery_draw(actor=county_official, program_id=program.pk, seed=2020)
    drawn = [
        list(Voucher.objects.filter(program=program).order_by("pk").values_list("holder_id", "slot"))
        for program in (lottery, twin)
    ]
    assert drawn[0] == drawn[1] and len(drawn[0]) == 5


def test_lottery_draw_refusals(lottery, program, resident, county_official, other_official):
    services.lottery_enter(actor=resident, program_id=lottery.pk)
    error = _refused(lottery, services.lottery_draw, actor=county_official, program_id=lottery.pk)
    assert (error.code, error.status) == ("lottery.not_closed", 409)
    with clock.frozen_at(NOW + DAY):
        error = _refused(lottery, services.lottery_draw, actor=other_official, program_id=lottery.pk)
        assert (error.code, error.status) == ("program.not_found", 404)
        error = _refused(program, services.lottery_draw, actor=county_official, program_id=program.pk)
        assert (error.code, error.status) == ("lottery.not_lottery", 409)
        error = _refused(
            lottery, services.lottery_draw, actor=county_official, program_id=lottery.pk, seed=-1
        )
        assert (error.code, error.status) == ("lottery.invalid_seed", 400)
        assert _refused(lottery, services.lottery_draw, actor=resident, program_id=lottery.pk).status == 403
