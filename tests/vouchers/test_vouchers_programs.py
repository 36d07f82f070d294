import pytest
from tests.vouchers.conftest import COUNTY, DAY, NOW, OTHER_COUNTY, TOWNSHIP, VILLAGE

from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.vouchers import selectors, services
from fangyi.vouchers.choices import ClaimMode, EligibleGroup, ProgramStatus
from fangyi.vouchers.models import Denomination, Eligibility, Program


def _refused(call, **kwargs) -> DomainError:
    before = (Program.objects.count(), Denomination.objects.count(), Eligibility.objects.count())
    with pytest.raises(DomainError) as excinfo:
        call(**kwargs)
    assert (Program.objects.count(), Denomination.objects.count(), Eligibility.objects.count()) == before
    return excinfo.value


def test_create_makes_a_draft_with_its_stock(make_program, county_official):
    program = make_program(publish=False, regions=[TOWNSHIP, VILLAGE])
    assert program.status == ProgramStatus.DRAFT
    assert program.created_by == county_official
    assert sorted(program.regions.values_list("code", flat=True)) == [TOWNSHIP, VILLAGE]
    kinds = list(program.denominations.values_list("face_value_fen", "threshold_fen", "stock", "remaining"))
    assert kinds == [(2000, 10000, 50, 50), (5000, 20000, 20, 20)]
    assert AuditEvent.objects.filter(action="voucher_program.create", object_id=str(program.pk)).exists()


def test_create_spends_in_the_issuing_region_when_none_given(make_program):
    program = make_program(publish=False, regions=[])
    assert list(program.regions.values_list("code", flat=True)) == [COUNTY]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"regions": [OTHER_COUNTY]}, "program.invalid_regions"),
        ({"regions": ["43"]}, "program.invalid_regions"),
        ({"regions": ["not-a-code"]}, "program.invalid_regions"),
        ({"regions": ["430102999"]}, "program.invalid_regions"),
        ({"budget_fen": 199_999}, "program.over_budget"),
        ({"budget_fen": 0}, "program.invalid_budget"),
        ({"budget_fen": True}, "program.invalid_budget"),
        ({"claim_closes": NOW - 2 * DAY}, "program.invalid_window"),
        ({"valid_until": NOW - 2 * DAY}, "program.invalid_window"),
        ({"claim_closes": NOW + 40 * DAY}, "program.invalid_window"),
        ({"claim_opens": NOW.replace(tzinfo=None)}, "program.invalid_window"),
        ({"denominations": []}, "program.invalid_denomination"),
        (
            {"denominations": [{"face_value_fen": 2000, "threshold_fen": 1000, "stock": 1}]},
            "program.invalid_denomination",
        ),
        (
            {"denominations": [{"face_value_fen": 0, "threshold_fen": 1000, "stock": 1}]},
            "program.invalid_denomination",
        ),
        (
            {"denominations": [{"face_value_fen": 100, "threshold_fen": 1000, "stock": 0}]},
            "program.invalid_denomination",
        ),
        (
            {"denominations": [{"face_value_fen": "100", "threshold_fen": 1000, "stock": 1}]},
            "program.invalid_denomination",
        ),
        ({"denominations": ["20 off 100"]}, "program.invalid_denomination"),
        (
            {"denominations": [{"face_value_fen": 100, "threshold_fen": 1000, "stock": 1}] * 2},
            "program.invalid_denomination",
        ),
        ({"categories": ["casino"]}, "program.invalid_categories"),
        ({"categories": []}, "program.invalid_categories"),
        ({"categories": "catering"}, "program.invalid_categories"),
        ({"claiming": ClaimMode.LIST}, "program.invalid_groups"),
        ({"claiming": ClaimMode.LIST, "eligible_groups": ["friends"]}, "program.invalid_groups"),
        ({"claiming": "auction"}, "program.invalid_claiming"),
        ({"funder_kind": "bank"}, "program.invalid_funder_kind"),
        ({"name": "  "}, "program.invalid_name"),
        ({"name": "x" * 129}, "program.invalid_name"),
        ({"funder": ""}, "program.invalid_funder"),
        ({"per_person_limit": 0}, "program.invalid_limit"),
        ({"per_person_limit": 101}, "program.invalid_limit"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(make_program, fields, code):
    error = _refused(make_program, publish=False, **fields)
    assert (error.code, error.status) == (code, 400)


def test_create_needs_the_capability_and_the_jurisdiction(make_program, make_user, other_official, resident):
    assert _refused(make_program, publish=False, actor=resident).status == 403
    error = _refused(make_program, publish=False, actor=other_official)
    assert (error.code, error.status) == ("region.not_found", 404)
    township = make_user("township_official", TOWNSHIP)
    assert _refused(make_program, publish=False, actor=township).status == 403


def test_publish_and_close(make_program, county_official, other_official):
    program = make_program(publish=False)
    error = _refused(services.program_publish, actor=other_official, program_id=program.pk)
    assert (error.code, error.status) == ("program.not_found", 404)
    assert services.program_publish(actor=county_official, program_id=program.pk).status == "published"
    error = _refused(services.program_publish, actor=county_official, program_id=program.pk)
    assert (error.code, error.status) == ("program.not_draft", 409)
    assert services.program_close(actor=county_official, program_id=program.pk).status == "closed"
    error = _refused(services.program_close, actor=county_official, program_id=program.pk)
    assert (error.code, error.status) == ("program.closed", 409)
    assert _refused(services.program_close, actor=county_official, program_id="x").code == "program.not_found"
    dropped = services.program_close(actor=county_official, program_id=make_program(publish=False).pk)
    assert dropped.status == "closed"
    assert _refused(services.program_publish, actor=county_official, program_id=dropped.pk).code == (
        "program.not_draft"
    )


@pytest.fixture
def list_program(make_program):
    return make_program(claiming=ClaimMode.LIST, eligible_groups=[EligibleGroup.EMPLOYEE])


def test_eligibility_lists_residents_once(list_program, county_official, make_user, new_id_number):
    from fangyi.people.services import person_register

    numbers = [new_id_number(COUNTY) for _ in range(3)]
    for number in numbers[:2]:
        person_register(actor=None, name="王五", id_number=number, home_region=VILLAGE)
    call = {"actor": county_official, "program_id": list_program.pk, "group": EligibleGroup.EMPLOYEE}
    error = _refused(services.eligibility_add, **call, id_numbers=[numbers[0], "123", numbers[2], numbers[1]])
    assert (error.code, error.status, error.params["lines"]) == ("eligibility.unknown_residents", 400, "2, 3")
    result = services.eligibility_add(**call, id_numbers=[numbers[0], numbers[0].lower()])
    assert (result.added, result.already) == (1, 0)
    result = services.eligibility_add(**call, id_numbers=[numbers[1], f" {numbers[0]} "])
    assert (result.added, result.already) == (1, 1)
    assert Eligibility.objects.filter(program=list_program).count() == 2


def test_eligibility_refusals(list_program, program, county_official, other_official, monkeypatch):
    call = {"actor": county_official, "program_id": list_program.pk, "group": EligibleGroup.EMPLOYEE}
    assert _refused(services.eligibility_add, **call, id_numbers=[]).code == "eligibility.empty"
    assert _refused(services.eligibility_add, **call, id_numbers="430102").code == "eligibility.empty"
    wrong_group = {**call, "group": EligibleGroup.UNION_MEMBER}
    assert (
        _refused(services.eligibility_add, **wrong_group, id_numbers=["1"]).code
        == "eligibility.invalid_group"
    )
    first_come = {**call, "program_id": program.pk}
    error = _refused(services.eligibility_add, **first_come, id_numbers=["1"])
    assert (error.code, error.status) == ("eligibility.not_list", 409)
    with monkeypatch.context() as patched:
        patched.setattr(services, "ELIGIBILITY_MAX", 2)
        error = _refused(services.eligibility_add, **call, id_numbers=["1", "2", "3"])
    assert (error.code, error.status) == ("eligibility.too_many", 400)
    outside = {**call, "actor": other_official}
    assert _refused(services.eligibility_add, **outside, id_numbers=["1"]).code == "program.not_found"


def test_public_list_and_get_hide_drafts(make_program, county_official, other_official):
    draft = make_program(publish=False, name="draft")
    published = make_program(name="published")
    closed = services.program_close(actor=county_official, program_id=make_program(name="closed").pk)
    assert {p.pk for p in selectors.program_list()} == {published.pk, closed.pk}
    assert [p.pk for p in selectors.program_list(status=["closed", "draft"])] == [closed.pk]
    assert {p.pk for p in selectors.program_list(region=VILLAGE)} == {published.pk, closed.pk}
    assert {p.pk for p in selectors.program_list(region="43")} == {published.pk, closed.pk}
    assert list(selectors.program_list(region=OTHER_COUNTY)) == []
    listed = selectors.program_list().get(pk=published.pk)
    assert (listed.stock, listed.remaining, listed.claimed) == (70, 70, 0)
    assert [p.pk for p in selectors.programs_open(region=VILLAGE)] == [published.pk]
    with pytest.raises(DomainError) as excinfo:
        selectors.program_get(draft.pk)
    assert excinfo.value.code == "program.not_found"
    with pytest.raises(DomainError):
        selectors.program_get(draft.pk, actor=other_official)
    assert selectors.program_get(draft.pk, actor=county_official).pk == draft.pk
    assert selectors.program_get(published.pk).stock == 70
    assert {p.pk for p in selectors.programs_for(county_official)} == {draft.pk, published.pk, closed.pk}
    assert list(selectors.programs_for(other_official)) == []
