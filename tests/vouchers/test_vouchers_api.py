"""The vouchers API at /api/v1/vouchers: each route's success and refusals over HTTP."""

import functools

import pytest
from tests.vouchers.conftest import COUNTY, DAY, NOW, OTHER_VILLAGE, TOWNSHIP, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.vouchers.choices import ClaimMode, EligibleGroup, FunderKind, MerchantCategory, MerchantStatus
from fangyi.vouchers.models import FraudFlag, LotteryEntry, Merchant, Program, Redemption, Voucher

P = "/vouchers"


def error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def program_body(**fields):
    body = {
        "name": "芙蓉区消费券 第二期",
        "funder_kind": FunderKind.GOVERNMENT,
        "funder": "芙蓉区人民政府",
        "region": COUNTY,
        "regions": [COUNTY],
        "budget_fen": 500_000,
        "categories": [MerchantCategory.CATERING],
        "claiming": ClaimMode.FIRST_COME,
        "per_person_limit": 1,
        "claim_opens": (NOW - DAY).isoformat(),
        "claim_closes": (NOW + 7 * DAY).isoformat(),
        "valid_from": (NOW - DAY).isoformat(),
        "valid_until": (NOW + 30 * DAY).isoformat(),
        "denominations": [{"face_value_fen": 1000, "threshold_fen": 5000, "stock": 100}],
    }
    body.update(fields)
    return body


# Programmes ---------------------------------------------------------------------------------------


def test_the_public_list_needs_no_sign_in_and_hides_drafts(api_client, make_program):
    published = make_program()
    make_program(publish=False, name="草稿")
    response = api_client.get(f"{P}/programs")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == published.pk and item["status"] == "published"
    assert item["claimed"] == 0 and item["remaining"] == 70 and item["regions"] == [COUNTY]
    assert [(d["face_value_fen"], d["threshold_fen"], d["stock"]) for d in item["denominations"]] == [
        (2000, 10000, 50),
        (5000, 20000, 20),
    ]
    assert api_client.get(f"{P}/programs?status=closed").json()["count"] == 0
    assert api_client.get(f"{P}/programs?region={VILLAGE}").json()["count"] == 1
    assert api_client.get(f"{P}/programs?region={OTHER_VILLAGE}").json()["count"] == 0


def test_the_public_list_pages_and_bounds(api_client, make_program):
    for n in range(3):
        make_program(name=f"第{n}期")
    first = api_client.get(f"{P}/programs?limit=2").json()
    rest = api_client.get(f"{P}/programs?limit=2&offset=2").json()
    assert first["count"] == 3 and len(first["items"]) == 2 and len(rest["items"]) == 1
    assert len({i["id"] for i in first["items"] + rest["items"]}) == 3
    for query in ("limit=0", "limit=501", "offset=-1", "status=draft", "region=%00"):
        error(api_client.get(f"{P}/programs?{query}"), 422, "validation_error")


def test_a_programme_is_public_but_a_draft_is_not_found(api_client, make_program):
    published, draft = make_program(), make_program(publish=False, name="草稿")
    response = api_client.get(f"{P}/programs/{published.pk}")
    assert response.status_code == 200 and response.json()["claiming"] == "first_come"
    error(api_client.get(f"{P}/programs/{draft.pk}"), 404, "program.not_found")
    error(api_client.get(f"{P}/programs/999999"), 404, "program.not_found")
    assert api_client.get(f"{P}/programs/2147483648").status_code == 422


def test_an_official_creates_publishes_and_closes(api_client, county_official):
    response = api_client.post(f"{P}/programs", json=program_body(), user=county_official)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "draft" and created["remaining"] == 100 and created["region"] == COUNTY
    path = f"{P}/programs/{created['id']}"
    response = api_client.post(f"{path}/publish", user=county_official)
    assert response.status_code == 200 and response.json()["status"] == "published"
    error(api_client.post(f"{path}/publish", user=county_official), 409, "program.not_draft")
    response = api_client.post(f"{path}/close", user=county_official)
    assert response.status_code == 200 and response.json()["status"] == "closed"
    error(api_client.post(f"{path}/close", user=county_official), 409, "program.closed")


def test_programme_creation_refusals(api_client, county_official, other_official, make_resident):
    over = program_body(denominations=[{"face_value_fen": 1000, "threshold_fen": 5000, "stock": 501}])
    error(api_client.post(f"{P}/programs", json=over, user=county_official), 400, "program.over_budget")
    error(api_client.post(f"{P}/programs", json=program_body()), 401, "unauthenticated")
    resident = make_resident()
    assert api_client.post(f"{P}/programs", json=program_body(), user=resident).status_code == 403
    # Another county's official: the issuing region is outside their jurisdiction.
    assert api_client.post(f"{P}/programs", json=program_body(), user=other_official).status_code == 404
    wrong_type = program_body(budget_fen="a lot")
    error(api_client.post(f"{P}/programs", json=wrong_type, user=county_official), 422, "validation_error")
    missing = program_body()
    del missing["denominations"]
    error(api_client.post(f"{P}/programs", json=missing, user=county_official), 422, "validation_error")
    broken = api_client.post(
        f"{P}/programs", data="{not json", content_type="application/json", user=county_official
    )
    assert broken.status_code == 400
    assert Program.objects.count() == 0


def test_publishing_outside_the_jurisdiction_is_not_found(api_client, make_program, other_official):
    draft = make_program(publish=False)
    error(api_client.post(f"{P}/programs/{draft.pk}/publish", user=other_official), 404, "program.not_found")
    error(api_client.post(f"{P}/programs/{draft.pk}/close", user=other_official), 404, "program.not_found")
    draft.refresh_from_db()
    assert draft.status == "draft"


# Eligibility lists and claims ---------------------------------------------------------------------


@pytest.fixture
def listed(make_user, new_id_number):
    """(login, identity number) of a resident of VILLAGE whose number the test knows."""
    number = new_id_number(COUNTY)
    person = person_register(actor=None, name="李小龙", id_number=number, home_region=VILLAGE)
    user = make_user(Role.RESIDENT, VILLAGE)
    person.user = user
    person.save(update_fields=["user"])
    return user, number


def test_an_eligibility_list_then_claims_by_those_on_it(
    api_client, county_official, make_program, listed, make_resident, new_id_number
):
    user, number = listed
    program = make_program(claiming=ClaimMode.LIST, eligible_groups=[EligibleGroup.EMPLOYEE])
    path = f"{P}/programs/{program.pk}"
    body = {"group": "employee", "id_numbers": [number]}
    response = api_client.post(f"{path}/eligibility", json=body, user=county_official)
    assert response.status_code == 200 and response.json() == {"added": 1, "already": 0}
    again = api_client.post(f"{path}/eligibility", json=body, user=county_official)
    assert again.json() == {"added": 0, "already": 1}
    unknown = {"group": "employee", "id_numbers": [number, new_id_number(COUNTY)]}
    response = api_client.post(f"{path}/eligibility", json=unknown, user=county_official)
    error(response, 400, "eligibility.unknown_residents")
    assert number not in response.content.decode()
    error(
        api_client.post(
            f"{path}/eligibility", json={"group": "employee", "id_numbers": []}, user=county_official
        ),
        422,
        "validation_error",
    )
    error(api_client.post(f"{path}/eligibility", json=body, user=user), 403, "permission_denied")

    response = api_client.post(f"{path}/claim", user=user)
    assert response.status_code == 201, response.json()
    assert response.json()["holder"] == "李**" and len(response.json()["code"]) == 12
    error(api_client.post(f"{path}/claim", user=make_resident()), 409, "claim.not_eligible")


def test_eligibility_needs_a_list_programme(api_client, county_official, program, listed):
    _user, number = listed
    body = {"group": "employee", "id_numbers": [number]}
    response = api_client.post(f"{P}/programs/{program.pk}/eligibility", json=body, user=county_official)
    error(response, 409, "eligibility.not_list")


def test_a_resident_claims_a_voucher(api_client, program, resident):
    path = f"{P}/programs/{program.pk}/claim"
    response = api_client.post(path, user=resident)
    assert response.status_code == 201, response.json()
    claimed = response.json()
    assert claimed["face_value_fen"] == 2000 and claimed["threshold_fen"] == 10000
    assert claimed["status"] == "held" and claimed["holder"] == "张**" and claimed["program_id"] == program.pk
    error(api_client.post(path, user=resident), 409, "claim.limit_reached")
    assert api_client.get(f"{P}/programs/{program.pk}").json()["claimed"] == 1


def test_a_claim_names_the_kind_of_voucher(api_client, program, make_resident):
    big = program.denominations.get(face_value_fen=5000)
    path = f"{P}/programs/{program.pk}/claim"
    response = api_client.post(path, json={"denomination_id": big.pk}, user=make_resident())
    assert response.status_code == 201 and response.json()["denomination_id"] == big.pk
    response = api_client.post(path, json={"denomination_id": 999999}, user=make_resident())
    error(response, 404, "denomination.not_found")
    error(
        api_client.post(path, json={"denomination_id": "big"}, user=make_resident()), 422, "validation_error"
    )
    error(api_client.post(path, json={"denomination_id": 0}, user=make_resident()), 422, "validation_error")


def test_claim_refusals(api_client, make_program, county_official, resident):
    draft = make_program(publish=False)
    error(api_client.post(f"{P}/programs/{draft.pk}/claim", user=resident), 404, "program.not_found")
    later = make_program(claim_opens=NOW + DAY, name="下一期")
    error(api_client.post(f"{P}/programs/{later.pk}/claim", user=resident), 409, "program.not_open")
    lottery = make_program(claiming=ClaimMode.LOTTERY, name="摇号")
    error(api_client.post(f"{P}/programs/{lottery.pk}/claim", user=resident), 409, "claim.lottery")
    open_now = make_program(name="本期")
    assert api_client.post(f"{P}/programs/{open_now.pk}/claim", user=county_official).status_code == 403
    error(api_client.post(f"{P}/programs/{open_now.pk}/claim"), 401, "unauthenticated")
    assert Voucher.objects.count() == 0


def test_an_out_of_region_claim_is_flagged_and_reviewed(
    api_client, program, make_resident, county_official, other_official, merchant_login
):
    outsider = make_resident(OTHER_VILLAGE, name="王大锤")
    assert api_client.post(f"{P}/programs/{program.pk}/claim", user=outsider).status_code == 201
    response = api_client.get(f"{P}/flags?status=open", user=county_official)
    assert response.status_code == 200
    (flag,) = response.json()["items"]
    assert flag["rule"] == "out_of_region" and flag["holder"] == "王**" and flag["merchant"] is None
    assert api_client.get(f"{P}/flags?rule=velocity", user=county_official).json()["count"] == 0
    error(api_client.get(f"{P}/flags?rule=bogus", user=county_official), 422, "validation_error")
    assert api_client.get(f"{P}/flags", user=other_official).json()["count"] == 0
    assert api_client.get(f"{P}/flags", user=merchant_login).status_code == 403

    review = f"{P}/flags/{flag['id']}/review"
    error(
        api_client.post(review, json={"decision": "confirm"}, user=county_official), 400, "flag.note_required"
    )
    error(api_client.post(review, json={"decision": "ban"}, user=county_official), 422, "validation_error")
    error(api_client.post(review, json={"decision": "clear"}, user=other_official), 404, "flag.not_found")
    response = api_client.post(review, json={"decision": "clear", "note": "探亲"}, user=county_official)
    assert response.status_code == 200 and response.json()["status"] == "cleared"
    error(api_client.post(review, json={"decision": "clear"}, user=county_official), 409, "flag.reviewed")
    assert FraudFlag.objects.get().review_note == "探亲"


# The lottery --------------------------------------------------------------------------------------


def test_a_lottery_is_entered_then_drawn_once(api_client, make_program, county_official, resident):
    program = make_program(claiming=ClaimMode.LOTTERY)
    path = f"{P}/programs/{program.pk}/lottery"
    response = api_client.post(f"{path}/enter", user=resident)
    assert response.status_code == 201 and response.json()["won"] is None
    error(api_client.post(f"{path}/enter", user=resident), 409, "lottery.entered")
    error(api_client.post(f"{path}/draw", user=county_official), 409, "lottery.not_closed")
    with clock.frozen_at(NOW + 8 * DAY):
        error(api_client.post(f"{path}/enter", user=resident), 409, "program.not_open")
        assert api_client.post(f"{path}/draw", user=resident).status_code == 403
        error(
            api_client.post(f"{path}/draw", json={"seed": -1}, user=county_official), 422, "validation_error"
        )
        response = api_client.post(f"{path}/draw", json={"seed": 7}, user=county_official)
        assert response.status_code == 200, response.json()
        assert response.json() == {"entries": 1, "winners": 1, "issued": 1}
        error(api_client.post(f"{path}/draw", user=county_official), 409, "lottery.drawn")
    assert LotteryEntry.objects.get().won is True
    (mine,) = api_client.get(f"{P}/mine", user=resident).json()["items"]
    assert mine["program_id"] == program.pk


def test_a_first_come_programme_has_no_lottery(api_client, program, resident):
    error(
        api_client.post(f"{P}/programs/{program.pk}/lottery/enter", user=resident), 409, "lottery.not_lottery"
    )


# The resident's vouchers --------------------------------------------------------------------------


def test_mine_lists_only_my_vouchers(api_client, program, listed, make_resident, county_official):
    user, number = listed
    api_client.post(f"{P}/programs/{program.pk}/claim", user=user)
    api_client.post(f"{P}/programs/{program.pk}/claim", user=make_resident())
    response = api_client.get(f"{P}/mine", user=user)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["holder"] == "李**"
    assert body["items"][0]["code"] == Voucher.objects.get(holder__user=user).code
    assert number not in response.content.decode()
    assert api_client.get(f"{P}/mine?status=redeemed", user=user).json()["count"] == 0
    error(api_client.get(f"{P}/mine?status=lost", user=user), 422, "validation_error")
    assert api_client.get(f"{P}/mine", user=county_official).status_code == 403
    error(api_client.get(f"{P}/mine"), 401, "unauthenticated")


# Merchants ----------------------------------------------------------------------------------------


def merchant_body(**fields):
    body = {"name": "火宫殿", "category": "catering", "region": TOWNSHIP, "address": "坡子街127号"}
    body.update(fields)
    return body


def test_a_merchant_registers_and_the_county_reviews(api_client, merchant_login, county_official):
    response = api_client.post(f"{P}/merchants", json=merchant_body(), user=merchant_login)
    assert response.status_code == 201, response.json()
    shop = response.json()
    assert shop["status"] == "pending" and shop["region"] == TOWNSHIP
    mine = api_client.get(f"{P}/merchants", user=merchant_login).json()
    assert [m["id"] for m in mine["items"]] == [shop["id"]]
    assert api_client.get(f"{P}/merchants/{shop['id']}", user=merchant_login).status_code == 200

    queue = api_client.get(f"{P}/merchants?status=pending", user=county_official).json()
    assert [m["id"] for m in queue["items"]] == [shop["id"]]
    review = f"{P}/merchants/{shop['id']}/review"
    error(
        api_client.post(review, json={"decision": "reject"}, user=county_official),
        400,
        "merchant.note_required",
    )
    error(
        api_client.post(review, json={"decision": "promote"}, user=county_official), 422, "validation_error"
    )
    assert api_client.post(review, json={"decision": "approve"}, user=merchant_login).status_code == 403
    response = api_client.post(review, json={"decision": "approve"}, user=county_official)
    assert response.status_code == 200 and response.json()["status"] == "approved"
    error(
        api_client.post(review, json={"decision": "approve"}, user=county_official),
        409,
        "merchant.invalid_transition",
    )


def test_merchant_reads_are_scoped(
    api_client, merchant, make_merchant, other_official, county_official, resident, make_user
):
    error(api_client.get(f"{P}/merchants/{merchant.pk}", user=other_official), 404, "merchant.not_found")
    stranger = make_user(Role.MERCHANT, COUNTY)
    error(api_client.get(f"{P}/merchants/{merchant.pk}", user=stranger), 404, "merchant.not_found")
    assert api_client.get(f"{P}/merchants", user=stranger).json()["count"] == 0
    assert api_client.get(f"{P}/merchants", user=other_official).json()["count"] == 0
    make_merchant(category=MerchantCategory.TOURISM, status=MerchantStatus.PENDING)
    listed = api_client.get(f"{P}/merchants?category=tourism", user=county_official).json()
    assert listed["count"] == 1 and listed["items"][0]["category_label"] == str(
        MerchantCategory.TOURISM.label
    )
    assert api_client.get(f"{P}/merchants", user=resident).status_code == 403
    error(api_client.get(f"{P}/merchants?limit=1000", user=county_official), 422, "validation_error")


def test_merchant_registration_refusals(api_client, merchant_login, county_official):
    bad = merchant_body(category="casino")
    error(api_client.post(f"{P}/merchants", json=bad, user=merchant_login), 400, "merchant.invalid_category")
    error(
        api_client.post(f"{P}/merchants", json=merchant_body(small_micro="maybe"), user=merchant_login),
        422,
        "validation_error",
    )
    error(api_client.post(f"{P}/merchants", json=merchant_body()), 401, "unauthenticated")
    assert Merchant.objects.count() == 0
    response = api_client.post(f"{P}/merchants", json=merchant_body(), user=county_official)
    assert response.status_code == 201 and response.json()["status"] == "approved"


# Redemptions, refunds and settlements -------------------------------------------------------------


def redeem_body(merchant, voucher, **fields):
    body = {"merchant_id": merchant.pk, "code": voucher.code, "order_no": "A-1001", "order_amount_fen": 12000}
    body.update(fields)
    return body


def test_a_redemption_is_idempotent_by_order(api_client, merchant, merchant_login, voucher):
    body = redeem_body(merchant, voucher)
    response = api_client.post(f"{P}/redemptions", json=body, user=merchant_login)
    assert response.status_code == 201, response.json()
    first = response.json()
    assert (
        first["discount_fen"] == 2000 and first["status"] == "done" and first["voucher_code"] == voucher.code
    )
    replay = api_client.post(f"{P}/redemptions", json=body, user=merchant_login)
    assert replay.status_code == 200 and replay.json() == first
    changed = redeem_body(merchant, voucher, order_amount_fen=15000)
    error(
        api_client.post(f"{P}/redemptions", json=changed, user=merchant_login), 409, "redeem.order_replayed"
    )
    again = redeem_body(merchant, voucher, order_no="A-1002")
    error(
        api_client.post(f"{P}/redemptions", json=again, user=merchant_login), 409, "voucher.already_redeemed"
    )
    assert Redemption.objects.count() == 1


def test_redemption_refusals(api_client, merchant, merchant_login, make_merchant, voucher, resident):
    post = functools.partial(api_client.post, f"{P}/redemptions", user=merchant_login)
    error(post(json=redeem_body(merchant, voucher, order_amount_fen=9999)), 409, "redeem.below_threshold")
    error(post(json=redeem_body(merchant, voucher, code="ZZZZZZZZZZZZ")), 404, "voucher.not_found")
    error(post(json=redeem_body(merchant, voucher, order_amount_fen=0)), 400, "redeem.invalid_amount")
    error(post(json=redeem_body(merchant, voucher, order_no=" ")), 400, "redeem.invalid_order_no")
    error(post(json=redeem_body(merchant, voucher, order_amount_fen="一百二十")), 422, "validation_error")
    error(post(json=redeem_body(merchant, voucher, merchant_id=0)), 422, "validation_error")
    error(post(data="[", content_type="application/json"), 400, "http_error")
    # Another merchant's shop, whoever's login it is, is not found for this one.
    elsewhere = make_merchant()
    error(post(json=redeem_body(elsewhere, voucher)), 404, "merchant.not_found")
    pending = make_merchant(status=MerchantStatus.PENDING, login=merchant_login)
    error(post(json=redeem_body(pending, voucher)), 409, "merchant.not_approved")
    response = api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher), user=resident)
    error(response, 403, "permission_denied")
    error(api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher)), 401, "unauthenticated")
    assert Redemption.objects.count() == 0
    voucher.refresh_from_db()
    assert voucher.status == "held"


def test_a_refund_restores_the_voucher(
    api_client, merchant, merchant_login, voucher, other_official, resident
):
    redeemed = api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher), user=merchant_login)
    refund = f"{P}/redemptions/{redeemed.json()['id']}/refund"
    error(api_client.post(refund, user=other_official), 404, "redemption.not_found")
    assert api_client.post(refund, user=resident).status_code == 403
    response = api_client.post(refund, user=merchant_login)
    assert response.status_code == 200 and response.json()["status"] == "refunded"
    assert response.json()["refunded_at"] is not None
    error(api_client.post(refund, user=merchant_login), 409, "redemption.refunded")
    error(api_client.post(f"{P}/redemptions/999999/refund", user=merchant_login), 404, "redemption.not_found")
    (held,) = api_client.get(f"{P}/mine", user=resident).json()["items"]
    assert held["status"] == "held" and held["redeemed_at"] is None


def test_redemptions_are_listed_for_the_merchant_and_the_county(
    api_client, merchant, merchant_login, make_merchant, voucher, county_official, other_official, resident
):
    api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher), user=merchant_login)
    for user in (merchant_login, county_official):
        body = api_client.get(f"{P}/redemptions?merchant={merchant.pk}", user=user).json()
        assert body["count"] == 1 and body["items"][0]["order_no"] == "A-1001"
    assert api_client.get(f"{P}/redemptions?status=refunded", user=merchant_login).json()["count"] == 0
    today = NOW.date().isoformat()
    assert api_client.get(f"{P}/redemptions?day={today}", user=merchant_login).json()["count"] == 1
    assert api_client.get(f"{P}/redemptions", user=other_official).json()["count"] == 0
    other = make_merchant()
    error(
        api_client.get(f"{P}/redemptions?merchant={other.pk}", user=merchant_login), 404, "merchant.not_found"
    )
    error(api_client.get(f"{P}/redemptions?day=someday", user=merchant_login), 422, "validation_error")
    assert api_client.get(f"{P}/redemptions", user=resident).status_code == 403


def test_settlement_after_the_hold_period(
    api_client, merchant, merchant_login, voucher, county_official, other_official
):
    redeemed = api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher), user=merchant_login)
    assert api_client.post(f"{P}/settlements/run", user=county_official).json()["count"] == 0
    with clock.frozen_at(NOW + 4 * DAY):
        assert api_client.post(f"{P}/settlements/run", user=other_official).json()["count"] == 0
        assert api_client.post(f"{P}/settlements/run", user=merchant_login).status_code == 403
        response = api_client.post(f"{P}/settlements/run", user=county_official)
        assert response.status_code == 200
        (settled,) = response.json()["items"]
        assert settled["amount_fen"] == 2000 and settled["redemptions"] == 1
        assert settled["business_day"] == NOW.date().isoformat() and settled["merchant_id"] == merchant.pk
        assert api_client.post(f"{P}/settlements/run", user=county_official).json()["count"] == 0
        refund = f"{P}/redemptions/{redeemed.json()['id']}/refund"
        error(api_client.post(refund, user=merchant_login), 409, "redemption.settled")
    mine = api_client.get(f"{P}/settlements", user=merchant_login).json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == settled["id"]
    assert (
        api_client.get(f"{P}/settlements?merchant={merchant.pk}", user=county_official).json()["count"] == 1
    )
    assert api_client.get(f"{P}/settlements", user=other_official).json()["count"] == 0


# Statistics ---------------------------------------------------------------------------------------


def test_statistics_of_a_region_and_of_a_programme(
    api_client, program, merchant, merchant_login, voucher, county_official, other_official, resident
):
    api_client.post(f"{P}/redemptions", json=redeem_body(merchant, voucher), user=merchant_login)
    response = api_client.get(f"{P}/stats?region={COUNTY}", user=county_official)
    assert response.status_code == 200, response.json()
    figures = response.json()
    assert figures["region"] == COUNTY and figures["program_id"] is None
    assert figures["claimed"] == {"count": 1, "fen": 2000}
    assert figures["redeemed"] == {"count": 1, "fen": 2000} and figures["order_amount_fen"] == 12000
    assert figures["leverage"] == 6.0 and figures["small_micro_share"] == {"count": 1.0, "fen": 1.0}
    township = next(row for row in figures["by_region"] if row["region"] == TOWNSHIP)
    assert township["redeemed"]["count"] == 1
    catering = next(row for row in figures["by_category"] if row["category"] == "catering")
    assert (
        catering["category_label"] == str(MerchantCategory.CATERING.label)
        and catering["redeemed"]["count"] == 1
    )

    path = f"{P}/programs/{program.pk}/stats"
    response = api_client.get(path, user=county_official)
    assert response.status_code == 200 and response.json()["program_id"] == program.pk
    assert api_client.get(f"{path}?region={TOWNSHIP}", user=county_official).json()["region"] == TOWNSHIP

    error(api_client.get(f"{P}/stats?region={OTHER_VILLAGE}", user=county_official), 404, "region.not_found")
    error(api_client.get(f"{P}/stats?region=4301", user=county_official), 404, "region.not_found")
    error(api_client.get(path, user=other_official), 404, "region.not_found")
    error(api_client.get(f"{P}/stats?region=abc", user=county_official), 400, "region.invalid_code")
    error(api_client.get(f"{P}/stats", user=county_official), 422, "validation_error")
    assert api_client.get(f"{P}/stats?region={COUNTY}", user=resident).status_code == 403
    assert api_client.get(path, user=merchant_login).status_code == 403
