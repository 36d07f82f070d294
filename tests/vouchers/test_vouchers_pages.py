"""The voucher pages: the resident's programmes and vouchers, the merchant's shop (registration,
redeeming, refunds, settlements), and the officials' programmes, review queues and statistics; who
may see and do what, amounts typed in yuan read to the fen, refusals shown next to the field with
the input kept and nothing written."""

import json
import re

import pytest
from django.test import Client
from tests.vouchers.conftest import COUNTY, DAY, HOUR, NOW, OTHER_COUNTY, TOWNSHIP, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.vouchers import services
from fangyi.vouchers.choices import (
    ClaimMode,
    EligibleGroup,
    FlagStatus,
    FraudRule,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.models import Eligibility, FraudFlag, Merchant, Program, Redemption, Voucher

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def error_of(page: str, field_id: str) -> str:
    """The error shown next to the field with this id ("" when there is none)."""
    found = re.search(rf'id="{field_id}_error" role="alert">([^<]*)<', page)
    return found.group(1) if found else ""


def message_of(page: str) -> str:
    """The page's flash message as "alert--<level>: text" ("" when there is none)."""
    found = re.search(r'class="alert (alert--\w+)" role="status" data-message>([^<]*)<', page)
    return f"{found.group(1)}: {found.group(2)}" if found else ""


@pytest.fixture
def township_official(make_user):
    """An official who sees the vouchers of 文艺路街道 but does not run them."""
    return make_user(Role.TOWNSHIP_OFFICIAL, TOWNSHIP)


@pytest.fixture
def claimed(program, resident):
    return services.voucher_claim(actor=resident, program_id=program.pk)


PROGRAM_FORM = {
    "name": "芙蓉区消费券 第二期",
    "funder_kind": "government",
    "funder": "芙蓉区人民政府",
    "region": COUNTY,
    "regions": f"{TOWNSHIP}, 430102002",
    "budget": "10000.00",
    "categories": ["catering", "retail"],
    "claiming": "first_come",
    "per_person_limit": "2",
    "claim_opens": "2020-04-21T10:00",
    "claim_closes": "2020-04-28T10:00",
    "valid_from": "2020-04-21T10:00",
    "valid_until": "2020-05-21T10:00",
    "denomination-TOTAL_FORMS": "3",
    "denomination-INITIAL_FORMS": "0",
    "denomination-0-face_value": "20",
    "denomination-0-threshold": "100.00",
    "denomination-0-stock": "100",
    "denomination-1-face_value": "50.50",
    "denomination-1-threshold": "200",
    "denomination-1-stock": "20",
    "denomination-2-face_value": "",
    "denomination-2-threshold": "",
    "denomination-2-stock": "",
}


# Who may open which page ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/vouchers/", "/vouchers/mine/"])
def test_the_residents_pages_are_theirs_only(path, county_official, merchant_login):
    assert Client(**EN).get(path).status_code == 302
    assert signed_in(county_official).get(path).status_code == 403
    assert signed_in(merchant_login).get(path).status_code == 403


def test_the_shop_is_the_merchants_only(county_official, resident):
    assert Client(**EN).get("/vouchers/shop/").status_code == 302
    assert signed_in(county_official).get("/vouchers/shop/").status_code == 403
    assert signed_in(resident).get("/vouchers/shop/").status_code == 403


@pytest.mark.parametrize("path", ["/vouchers/programs/", "/vouchers/stats/"])
def test_official_pages_are_refused_to_residents_and_merchants(path, resident, merchant_login):
    assert Client(**EN).get(path).status_code == 302
    response = signed_in(resident).get(path)
    assert response.status_code == 403 and "Not allowed" in html(response)
    assert signed_in(merchant_login).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/vouchers/merchants/", "/vouchers/flags/"])
def test_review_queues_need_the_managers_capability(path, township_official, county_official):
    assert signed_in(township_official).get(path).status_code == 403
    assert signed_in(county_official).get(path).status_code == 200


# The resident's programmes and vouchers ----------------------------------------------------------


def test_the_resident_sees_open_programmes_with_a_claim_button_per_kind(resident, program, make_program):
    make_program(name="草稿 programme", publish=False)
    page = html(signed_in(resident).get("/vouchers/"))
    assert f'data-program="{program.pk}"' in page
    assert "Spend 100.00, get 20.00 off" in page and "Spend 200.00, get 50.00 off" in page
    assert "50 vouchers left" in page and "20 vouchers left" in page
    assert page.count('data-action="claim"') == 2
    assert "草稿 programme" not in page


def test_the_resident_page_has_an_empty_state_and_says_when_the_login_has_no_resident(make_user):
    page = html(signed_in(make_user(Role.RESIDENT, VILLAGE)).get("/vouchers/"))
    assert "No voucher programme is open for claiming just now." in page
    assert "This login is not linked to a resident" in page


def test_a_resident_claims_a_voucher_and_sees_its_qr_code(resident, program):
    client = signed_in(resident)
    denomination = program.denominations.get(face_value_fen=5000)
    response = client.post(f"/vouchers/programs/{program.pk}/claim/", {"denomination": denomination.pk})
    assert response.status_code == 302 and response.url == "/vouchers/mine/"
    voucher = Voucher.objects.get()
    assert (voucher.denomination_id, voucher.holder.user_id) == (denomination.pk, resident.pk)
    page = html(client.get(response.url))
    assert f"Voucher {voucher.code} is yours" in page
    card = page[page.index(f'data-voucher="{voucher.code}"') :]
    assert "<svg" in card and "Spend 200.00, get 50.00 off" in card
    assert "Held" in card and "Good until 2020-05-20 10:00" in card
    # The per-person limit is reached: no more claim buttons, and a second claim is refused.
    page = html(client.get("/vouchers/"))
    assert 'data-action="claim"' not in page and "data-full" in page
    response = client.post(f"/vouchers/programs/{program.pk}/claim/", follow=True)
    assert response.redirect_chain[-1][0] == "/vouchers/"
    assert message_of(html(response)).startswith("alert--error")
    assert Voucher.objects.count() == 1


@pytest.mark.parametrize("denomination", ["²", "-1", "a"])
def test_a_claim_of_a_malformed_kind_is_refused(resident, program, denomination):
    client = signed_in(resident)
    response = client.post(
        f"/vouchers/programs/{program.pk}/claim/", {"denomination": denomination}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/vouchers/"
    assert message_of(html(response)) == "alert--error: Choose a kind of voucher of the programme."
    assert not Voucher.objects.exists()


def test_a_claim_of_a_kind_of_another_programme_is_not_found(resident, program, make_program):
    other = make_program(name="另一期").denominations.first()
    response = signed_in(resident).post(f"/vouchers/programs/{program.pk}/claim/", {"denomination": other.pk})
    assert response.status_code == 404
    assert not Voucher.objects.exists()


def test_a_lottery_programme_is_entered_not_claimed(resident, make_program):
    program = make_program(claiming=ClaimMode.LOTTERY, name="抽签券")
    client = signed_in(resident)
    page = html(client.get("/vouchers/"))
    assert 'data-action="enter"' in page and 'data-action="claim"' not in page
    response = client.post(f"/vouchers/programs/{program.pk}/lottery/enter/", follow=True)
    assert response.redirect_chain[-1][0] == "/vouchers/mine/"
    assert "waiting for the draw" in html(response)
    assert "data-entered" in html(client.get("/vouchers/"))


def test_my_vouchers_has_an_empty_state(resident):
    page = html(signed_in(resident).get("/vouchers/mine/"))
    assert "You hold no voucher yet." in page


# The merchant's shop -----------------------------------------------------------------------------


def test_a_merchant_login_without_a_shop_registers_one_and_waits(merchant_login):
    client = signed_in(merchant_login)
    page = html(client.get("/vouchers/shop/"))
    assert 'id="register-form"' in page and "Register your shop" in page
    response = client.post(
        "/vouchers/shop/",
        {"name": "芙蓉小炒", "category": "catering", "small_micro": "on", "region": TOWNSHIP},
    )
    assert response.status_code == 302
    shop = Merchant.objects.get()
    assert shop.status == MerchantStatus.PENDING and list(shop.accounts.all()) == [merchant_login]
    page = html(client.get("/vouchers/shop/"))
    assert 'id="shop-pending"' in page and "Awaiting review" in page
    assert 'id="redeem-form"' not in page


def test_a_shop_registration_outside_the_region_is_refused_next_to_the_field(merchant_login):
    response = signed_in(merchant_login).post(
        "/vouchers/shop/", {"name": "河西小炒", "category": "catering", "region": OTHER_COUNTY}
    )
    assert response.status_code == 400
    page = html(response)
    assert error_of(page, "id_shop_region") == "No such region."
    assert 'value="河西小炒"' in page
    assert not Merchant.objects.exists()


def test_a_rejected_shop_shows_why(make_merchant, merchant_login):
    shop = make_merchant(login=merchant_login, status=MerchantStatus.REJECTED)
    Merchant.objects.filter(pk=shop.pk).update(review_note="营业执照不清")
    page = html(signed_in(merchant_login).get("/vouchers/shop/"))
    assert 'id="shop-refused"' in page and "营业执照不清" in page and 'id="redeem-form"' not in page


def test_an_approved_shop_has_the_redeem_form_and_empty_lists(merchant, merchant_login):
    page = html(signed_in(merchant_login).get("/vouchers/shop/"))
    assert 'id="redeem-form"' in page
    assert "No voucher redeemed today yet." in page
    assert "Nothing settled yet" in page


def redeem(client, merchant, **fields):
    data = {"code": "", "order_no": "A-1001", "amount": "120.00", **fields}
    return client.post(f"/vouchers/shop/{merchant.pk}/redeem/", data)


def test_the_till_redeems_a_voucher_and_lists_it_today(merchant, merchant_login, claimed):
    client = signed_in(merchant_login)
    response = redeem(client, merchant, code=claimed.code.lower())
    assert response.status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.order_amount_fen, redemption.discount_fen) == (12000, 2000)
    page = html(client.get(response.url))
    assert "Voucher redeemed: 20.00 off order A-1001; the customer pays 100.00." in page
    row = page[page.index(f'data-redemption="{redemption.pk}"') :]
    assert "120.00" in row and 'data-action="refund"' in row
    # The same order again changes nothing and says so.
    response = redeem(client, merchant, code=claimed.code)
    assert "already redeemed with this voucher" in html(client.get(response.url))
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"amount": "120.001"}, "id_redeem_amount", "at most 2 decimals"),
        ({"amount": "0"}, "id_redeem_amount", "greater than or equal to 0.01"),
        ({"amount": "abc"}, "id_redeem_amount", "Enter a number."),
        ({"amount": "99.99"}, "id_redeem_amount", "100.00"),
        ({"code": "NOSUCHCODE12"}, "id_redeem_code", "No voucher has this code."),
    ],
)
def test_a_refused_redemption_is_shown_next_to_the_field(
    merchant, merchant_login, claimed, fields, field_id, message
):
    response = redeem(signed_in(merchant_login), merchant, **{"code": claimed.code, **fields})
    assert response.status_code in (400, 409)
    page = html(response)
    assert error_of(page, field_id)
    assert message in error_of(page, field_id)
    assert 'value="A-1001"' in page
    assert not Redemption.objects.exists()
    claimed.refresh_from_db()
    assert claimed.status == VoucherStatus.HELD


def test_a_merchant_cannot_redeem_for_another_shop(make_merchant, merchant_login, merchant, claimed):
    other = make_merchant(name="别家店")
    response = redeem(signed_in(merchant_login), other, code=claimed.code)
    assert response.status_code == 404
    assert not Redemption.objects.exists()


def test_the_merchant_refunds_a_redemption_and_the_voucher_is_held_again(merchant, merchant_login, claimed):
    client = signed_in(merchant_login)
    redemption, _created = services.voucher_redeem(
        actor=merchant_login,
        merchant_id=merchant.pk,
        code=claimed.code,
        order_no="B-1",
        order_amount_fen=15000,
    )
    response = client.post(f"/vouchers/redemptions/{redemption.pk}/refund/", {"next": "/vouchers/shop/"})
    assert response.status_code == 302 and response.url == "/vouchers/shop/"
    redemption.refresh_from_db()
    claimed.refresh_from_db()
    assert (redemption.status, claimed.status) == (RedemptionStatus.REFUNDED, VoucherStatus.HELD)
    page = html(client.get("/vouchers/shop/"))
    assert "Order B-1 is refunded" in page
    row = page[page.index(f'data-redemption="{redemption.pk}"') :].split("</li>")[0]
    assert "Refunded" in row and 'data-action="refund"' not in row
    # A second refund is refused as a message, not a page.
    response = client.post(f"/vouchers/redemptions/{redemption.pk}/refund/", follow=True)
    assert message_of(html(response)).startswith("alert--error")


# Officials: programmes ---------------------------------------------------------------------------


def test_the_programmes_list_and_create_form(county_official, program):
    page = html(signed_in(county_official).get("/vouchers/programs/"))
    assert f'data-program="{program.pk}"' in page and "10,000.00" in page and "0 of 70" in page
    assert 'id="program-form"' in page and 'name="denomination-2-stock"' in page


def test_a_viewing_official_sees_programmes_without_the_form(township_official, make_program):
    program = make_program(region=TOWNSHIP, regions=[TOWNSHIP])
    page = html(signed_in(township_official).get("/vouchers/programs/"))
    assert f'data-program="{program.pk}"' in page and 'id="program-form"' not in page
    assert signed_in(township_official).post("/vouchers/programs/", PROGRAM_FORM).status_code == 403


def test_the_programmes_list_has_an_empty_state(county_official):
    page = html(signed_in(county_official).get("/vouchers/programs/"))
    assert "No voucher programme has been issued in your area yet." in page


def test_an_official_creates_a_programme_from_rows_in_yuan(county_official):
    response = signed_in(county_official).post("/vouchers/programs/", PROGRAM_FORM)
    assert response.status_code == 302
    program = Program.objects.get()
    assert response.url == f"/vouchers/programs/{program.pk}/"
    assert program.status == ProgramStatus.DRAFT and program.budget_fen == 1_000_000
    assert sorted(program.regions.values_list("code", flat=True)) == [TOWNSHIP, "430102002"]
    assert program.claim_opens == NOW + DAY and program.per_person_limit == 2
    kinds = sorted(program.denominations.values_list("face_value_fen", "threshold_fen", "stock"))
    assert kinds == [(2000, 10000, 100), (5050, 20000, 20)]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"budget": "100.005"}, "id_program_budget_error", "at most 2 decimals"),
        ({"denomination-0-face_value": "20.123"}, "denomination-0", "at most 2 decimals"),
        ({"denomination-0-stock": ""}, "denomination-0", "the number of vouchers"),
        ({"budget": "2000"}, "denominations_error", "worth more than the budget"),
        (
            {
                "denomination-0-face_value": "",
                "denomination-0-threshold": "",
                "denomination-0-stock": "",
                "denomination-1-face_value": "",
                "denomination-1-threshold": "",
                "denomination-1-stock": "",
            },
            "denominations_error",
            "at least one denomination",
        ),
        ({"regions": "430103"}, "id_program_regions_error", "not a region inside the issuing one"),
        ({"region": OTHER_COUNTY}, "id_program_region_error", "No such region"),
        ({"claim_closes": "2020-04-20T10:00"}, "id_program_claim_closes_error", "Claiming must close"),
        ({"denomination-0-threshold": "10"}, "denominations_error", "minimum spend at least"),
    ],
)
def test_a_refused_programme_shows_the_error_in_place_and_writes_nothing(
    county_official, change, where, message
):
    response = signed_in(county_official).post("/vouchers/programs/", {**PROGRAM_FORM, **change})
    assert response.status_code == 400
    page = html(response)
    assert where in page
    assert message in page
    assert 'value="芙蓉区消费券 第二期"' in page
    assert not Program.objects.exists()


def test_the_programme_page_shows_stock_figures_and_the_managers_buttons(county_official, program):
    page = html(signed_in(county_official).get(f"/vouchers/programs/{program.pk}/"))
    assert '<meter class="stock-bar" min="0" max="50" value="50">' in page
    assert "50 of 50 left, 0 claimed" in page
    assert 'data-action="close"' in page and 'data-action="publish"' not in page
    assert 'id="figures"' in page


def test_a_manager_publishes_and_closes_a_programme(county_official, make_program):
    program = make_program(publish=False)
    client = signed_in(county_official)
    assert 'data-action="publish"' in html(client.get(f"/vouchers/programs/{program.pk}/"))
    response = client.post(f"/vouchers/programs/{program.pk}/publish/", follow=True)
    assert "The programme is published" in html(response)
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED
    # Publishing again is refused as a message on the page.
    response = client.post(f"/vouchers/programs/{program.pk}/publish/", follow=True)
    assert "Only a draft programme can be published." in html(response)
    client.post(f"/vouchers/programs/{program.pk}/close/")
    program.refresh_from_db()
    assert program.status == ProgramStatus.CLOSED


def test_a_programme_outside_the_jurisdiction_is_not_found(other_official, program):
    client = signed_in(other_official)
    assert client.get(f"/vouchers/programs/{program.pk}/").status_code == 404
    assert client.post(f"/vouchers/programs/{program.pk}/close/").status_code == 404
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED


@pytest.fixture
def list_program(make_program):
    return make_program(
        claiming=ClaimMode.LIST, eligible_groups=[EligibleGroup.EMPLOYEE], name="工会消费券", publish=False
    )


def test_the_eligibility_form_is_for_list_programmes_and_their_managers(
    county_official, township_official, make_program, program
):
    list_program = make_program(
        claiming=ClaimMode.LIST, eligible_groups=[EligibleGroup.EMPLOYEE], region=TOWNSHIP, regions=[TOWNSHIP]
    )
    client = signed_in(county_official)
    assert 'id="eligibility-form"' in html(client.get(f"/vouchers/programs/{list_program.pk}/"))
    assert 'id="eligibility-form"' not in html(client.get(f"/vouchers/programs/{program.pk}/"))
    page = html(signed_in(township_official).get(f"/vouchers/programs/{list_program.pk}/"))
    assert 'id="eligibility-form"' not in page and 'data-action="publish"' not in page


def test_an_eligibility_list_with_unknown_lines_is_refused_next_to_it(
    county_official, list_program, make_resident, new_id_number
):
    known = new_id_number(COUNTY)
    person_register(actor=None, name="李四", id_number=known, home_region=VILLAGE)
    client = signed_in(county_official)
    url = f"/vouchers/programs/{list_program.pk}/eligibility/"
    response = client.post(url, {"group": "employee", "id_numbers": f"{known}\n430102199001011234\n"})
    assert response.status_code == 400
    assert "line(s) 2" in error_of(html(response), "id_eligible_id_numbers")
    assert not Eligibility.objects.exists()
    response = client.post(url, {"group": "employee", "id_numbers": f" {known} \n"})
    assert response.status_code == 302
    assert "1 added to the list, 0 already on it." in html(client.get(response.url))
    assert Eligibility.objects.count() == 1


def test_the_lottery_is_drawn_from_the_programme_page(
    county_official, make_program, make_resident, frozen_now
):
    program = make_program(claiming=ClaimMode.LOTTERY, claim_closes=NOW + HOUR)
    for _ in range(3):
        services.lottery_enter(actor=make_resident(), program_id=program.pk)
    client = signed_in(county_official)
    assert 'data-action="draw"' not in html(client.get(f"/vouchers/programs/{program.pk}/"))
    with clock.frozen_at(NOW + 2 * HOUR):
        page = html(client.get(f"/vouchers/programs/{program.pk}/"))
        assert 'data-action="draw"' in page
        response = client.post(f"/vouchers/programs/{program.pk}/lottery/draw/", follow=True)
        assert "The lottery is drawn: 3 winners of 3 entries." in html(response)
        assert 'data-action="draw"' not in html(response)
    assert Voucher.objects.count() == 3


# Officials: review queues ------------------------------------------------------------------------


def test_the_merchant_queue_lists_pending_shops_and_approves_one(county_official, make_merchant):
    shop = make_merchant(status=MerchantStatus.PENDING, name="待审小店")
    make_merchant(name="已批小店")
    client = signed_in(county_official)
    page = html(client.get("/vouchers/merchants/"))
    assert f'data-merchant="{shop.pk}"' in page and "已批小店" not in page
    response = client.post(
        f"/vouchers/merchants/{shop.pk}/review/",
        {"decision": "approve", "note": "", "next": "/vouchers/merchants/"},
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.APPROVED
    page = html(client.get("/vouchers/merchants/"))
    assert "待审小店 is approved" in page and "No merchant is waiting for review." in page


def test_rejecting_a_shop_without_a_note_is_refused_next_to_the_note(county_official, make_merchant):
    shop = make_merchant(status=MerchantStatus.PENDING)
    response = signed_in(county_official).post(
        f"/vouchers/merchants/{shop.pk}/review/", {"decision": "reject", "note": ""}
    )
    assert response.status_code == 400
    assert error_of(html(response), f"id_m{shop.pk}_note")
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.PENDING


def test_the_merchant_queue_filters_and_is_scoped(county_official, other_official, make_merchant):
    shop = make_merchant(name="已批小店")
    client = signed_in(county_official)
    page = html(client.get("/vouchers/merchants/", {"status": "approved"}))
    assert f'data-merchant="{shop.pk}"' in page and 'value="suspend"' in page
    page = html(client.get("/vouchers/merchants/", {"status": "approved"}, HTTP_HX_REQUEST="true"))
    assert page.lstrip().startswith('<div id="results">')
    assert client.get("/vouchers/merchants/", {"status": "nonsense"}).status_code == 400
    page = html(signed_in(other_official).get("/vouchers/merchants/", {"status": ""}))
    assert "已批小店" not in page and "No merchant matches this choice." not in page
    assert (
        signed_in(other_official)
        .post(f"/vouchers/merchants/{shop.pk}/review/", {"decision": "suspend", "note": "x"})
        .status_code
        == 404
    )


@pytest.fixture
def flag(program, merchant, claimed):
    return FraudFlag.objects.create(
        rule=FraudRule.SPLIT_ORDER,
        program=program,
        region_id=merchant.region_id,
        holder=claimed.holder,
        merchant=merchant,
        voucher=claimed,
        detail={"count": 2, "minutes": 30, "orders": ["A-1", "A-2"], "order_no": "A-2"},
    )


def test_the_fraud_queue_shows_open_flags_masked_and_clears_one(county_official, flag):
    client = signed_in(county_official)
    page = html(client.get("/vouchers/flags/"))
    card = page[page.index(f'data-flag="{flag.pk}"') :]
    assert "One purchase split into several orders" in card
    assert "2 redemptions within 30 minutes. Orders: A-1, A-2." in card
    assert "张**" in card and "张三丰" not in page
    response = client.post(f"/vouchers/flags/{flag.pk}/review/", {"decision": "clear", "note": ""})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED
    assert "No flag is open" in html(client.get("/vouchers/flags/"))


def test_confirming_fraud_needs_a_note(county_official, other_official, flag):
    response = signed_in(county_official).post(f"/vouchers/flags/{flag.pk}/review/", {"decision": "confirm"})
    assert response.status_code == 400
    assert error_of(html(response), f"id_f{flag.pk}_note") == "Say what the review found."
    assert (
        signed_in(other_official)
        .post(f"/vouchers/flags/{flag.pk}/review/", {"decision": "clear"})
        .status_code
        == 404
    )
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


# Officials: statistics ---------------------------------------------------------------------------


def test_the_statistics_page_has_tables_and_the_chart_data(
    county_official, merchant, merchant_login, claimed
):
    services.voucher_redeem(
        actor=merchant_login,
        merchant_id=merchant.pk,
        code=claimed.code,
        order_no="S-1",
        order_amount_fen=30000,
    )
    page = html(signed_in(county_official).get("/vouchers/stats/"))
    assert re.search(r'data-kpi="claimed">1<', page) and re.search(r'data-kpi="orders">300.00<', page)
    row = page[page.index(f'<tr data-region="{TOWNSHIP}">') :].split("</tr>")[0]
    assert "文艺路街道" in row and "20.00" in row and "300.00" in row and "15.00" in row
    category = page[page.index('<tr data-category="catering">') :].split("</tr>")[0]
    assert "Catering" in category and "300.00" in category
    found = re.search(r'<script id="vouchers-data" type="application/json">(.*?)</script>', page)
    chart = json.loads(found.group(1))
    township = chart["regions"].index("文艺路街道")
    assert (chart["discount"][township], chart["orders"][township]) == (20.0, 300.0)


def test_the_statistics_of_a_programme_and_their_empty_figures(county_official, program):
    page = html(signed_in(county_official).get("/vouchers/stats/", {"program": program.pk}))
    assert re.search(r'data-kpi="claimed">0<', page) and 'id="by-category"' in page
    assert signed_in(county_official).get("/vouchers/stats/", {"program": "999999"}).status_code == 400


def test_the_statistics_refuse_a_region_outside_the_jurisdiction(county_official):
    response = signed_in(county_official).get("/vouchers/stats/", {"region": OTHER_COUNTY})
    assert response.status_code == 400
    assert error_of(html(response), "id_region") == "No such region."
