"""The resident's code page and the officials' pages."""

import pytest
from django.urls import reverse

from fangyi.accounts.choices import Role
from fangyi.healthpass import services
from fangyi.healthpass.models import Appeal, ColourOverride, HealthDeclaration


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_the_code_page_shows_a_qr_and_the_colour(login, resident, at_noon):
    page = login(resident.user).get(reverse("healthpass:my_code"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-colour="green"' in html and "<svg" in html and "张**" in html
    assert "绿码" in html or "绿色" in html


def test_the_declaration_form_records_and_shows_errors(login, resident, at_noon):
    client = login(resident.user)
    bad = client.post(reverse("healthpass:my_code"), {"form": "declaration", "temperature": "47"})
    assert bad.status_code == 400
    assert "id_temperature_error" in bad.content.decode()
    assert not HealthDeclaration.objects.exists()
    good = client.post(
        reverse("healthpass:my_code"),
        {
            "form": "declaration",
            "temperature": "36.6",
            "travelled": "on",
            "origin": "湖北省",
            "arrival_date": "2020-02-09",
        },
        follow=True,
    )
    assert good.status_code == 200
    assert 'data-colour="yellow"' in good.content.decode()
    assert 'id="declared-today"' in good.content.decode()


def test_an_appeal_from_the_code_page(login, resident, at_noon):
    client = login(resident.user)
    client.post(reverse("healthpass:my_code"), {"form": "appeal", "text": "颜色有误"})
    assert Appeal.objects.get(person=resident).text == "颜色有误"
    assert 'id="appeal-open"' in client.get(reverse("healthpass:my_code")).content.decode()


def test_officials_have_no_code_page(login, county_official, at_noon):
    page = login(county_official).get(reverse("healthpass:my_code"))
    assert page.status_code == 403


def test_the_change_log_and_person_page_are_jurisdiction_scoped(login, resident, make_user, at_noon):
    services.declaration_submit(actor=resident.user, temperature="38.0")
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    log = login(official).get(reverse("healthpass:changes"))
    assert log.status_code == 200 and resident.name in log.content.decode()
    person = login(official).get(reverse("healthpass:person", args=[resident.pk]))
    assert person.status_code == 200 and "badge--colour-red" in person.content.decode()
    outsider = make_user(Role.COUNTY_OFFICIAL, "430103")
    assert resident.name not in login(outsider).get(reverse("healthpass:changes")).content.decode()
    assert login(outsider).get(reverse("healthpass:person", args=[resident.pk])).status_code == 404
    assert (
        login(make_user(Role.CHECKPOINT_STAFF, "430102")).get(reverse("healthpass:changes")).status_code
        == 403
    )


def test_override_request_and_approval_through_the_pages(login, resident, make_user, at_noon):
    first, second = make_user(Role.COUNTY_OFFICIAL, "430102"), make_user(Role.COUNTY_OFFICIAL, "430102")
    url = reverse("healthpass:person", args=[resident.pk])
    refused = login(first).post(url, {"colour": "red", "days": "99", "reason": "x"})
    assert refused.status_code == 400 and not ColourOverride.objects.exists()
    login(first).post(url, {"colour": "red", "days": "7", "reason": "密接待核实"})
    override = ColourOverride.objects.get()
    queue = login(first).get(reverse("healthpass:queues")).content.decode()
    assert (
        "密接待核实" in queue
        and reverse("healthpass:override_decide", args=[override.pk, "approve"]) not in queue
    )
    login(second).post(reverse("healthpass:override_decide", args=[override.pk, "approve"]))
    override.refresh_from_db()
    assert override.status == "approved" and override.decided_by == second


def test_gate_statistics_page(login, county_official, at_noon):
    page = login(county_official).get(reverse("healthpass:stats"))
    assert page.status_code == 200 and 'id="scan-totals"' in page.content.decode()
    bad = login(county_official).get(
        reverse("healthpass:stats"), {"start": "2020-02-10", "end": "2020-02-01"}
    )
    assert bad.status_code == 400


def test_an_unknown_override_decision_is_not_found(login, resident, make_user, at_noon):
    first, second = make_user(Role.COUNTY_OFFICIAL, "430102"), make_user(Role.COUNTY_OFFICIAL, "430102")
    override = services.override_request(actor=first, person_id=resident.pk, colour="red", reason="待核实")
    page = login(second).post(reverse("healthpass:override_decide", args=[override.pk, "approve-all"]))
    assert page.status_code == 404
    override.refresh_from_db()
    assert override.status == "requested"


def test_deciding_an_appeal_twice_explains_instead_of_failing(login, resident, make_user, at_noon):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    appeal = services.appeal_file(actor=resident.user, text="颜色有误")
    url = reverse("healthpass:appeal_decide", args=[appeal.pk])
    body = {f"{appeal.pk}-uphold": "0", f"{appeal.pk}-colour": "green", f"{appeal.pk}-days": "14"}
    login(official).post(url, {**body, f"{appeal.pk}-response": "核实无误"})
    again = login(official).post(url, {**body, f"{appeal.pk}-response": "再次处理"}, follow=True)
    assert again.status_code == 200
    assert "此申诉已处理过" in again.content.decode()
    appeal.refresh_from_db()
    assert appeal.response == "核实无误"
