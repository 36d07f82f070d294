"""The situation report pages: the archive by region and date, generating today's, the report as a
page with each module's section, its print stylesheet and the PDF download; scoping."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from tests.command.page_helpers import NOW, issue, page_of, signed_in

from fangyi.accounts.choices import Role
from fangyi.command.models import Sitrep
from fangyi.command.services import sitrep_generate
from fangyi.core import clock

CHANGSHA = "4301"
ZHUZHOU = "4302"
LIST = "/command/sitreps/"


@pytest.fixture(autouse=True)
def frozen():
    with translation.override(None), clock.frozen_at(NOW):
        yield


@pytest.fixture
def prefecture(make_user):
    return make_user(Role.PREFECTURE_OFFICIAL, CHANGSHA)


def detail(region: str = CHANGSHA, date: str = "2020-02-01") -> str:
    return reverse("command:sitrep_detail", args=[region, date])


def pdf(region: str = CHANGSHA, date: str = "2020-02-01") -> str:
    return reverse("command:sitrep_pdf", args=[region, date])


def test_empty_archive_and_generate_form(prefecture):
    response = signed_in(prefecture).get(reverse("command:sitrep_list"))
    html = page_of(response)
    assert response.status_code == 200 and reverse("command:sitrep_list") == LIST
    assert "No situation report has been archived in your jurisdiction yet." in html
    assert 'id="sitrep-generate"' in html and "Generate today's report (2020-02-01)" in html


def test_generate_today_and_read_it(prefecture):
    issue(prefecture, CHANGSHA, ["430102"])
    client = signed_in(prefecture)
    response = client.post(LIST, {"region": CHANGSHA})
    assert response.status_code == 302 and response["Location"] == detail()
    sitrep = Sitrep.objects.get()
    assert (sitrep.region_id, sitrep.date.isoformat()) == (CHANGSHA, "2020-02-01")
    html = page_of(client.get(detail()))
    assert "Situation report of" in html and "2020-02-01" in html
    assert 'id="sitrep-cases"' in html and 'id="sitrep-directives"' in html
    assert "Directives in force" in html  # the directives section's figures
    assert "No data for this region on this day." in html  # a module without data says so
    assert "command/command.css" in html and f'href="{pdf()}"' in html
    listed = page_of(client.get(LIST))
    assert f'data-sitrep="{CHANGSHA}/2020-02-01"' in listed


def test_print_stylesheet_hides_the_site_chrome():
    from django.contrib.staticfiles import finders

    path = finders.find("command/command.css")
    assert path is not None
    css = Path(path).read_text(encoding="utf-8")
    assert "@media print" in css and ".site-header" in css and "size: A4" in css


def test_pdf_download(prefecture):
    sitrep_generate(actor=prefecture, region=CHANGSHA, date=clock.today())
    response = signed_in(prefecture).get(pdf())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment;" in response["Content-Disposition"]


def test_generate_needs_command_issue(make_user):
    worker = make_user(Role.GRID_WORKER, "430102001001")
    assert signed_in(worker).post(LIST, {"region": "430102"}).status_code == 403
    assert 'id="sitrep-generate"' not in page_of(signed_in(worker).get(LIST))
    assert Sitrep.objects.count() == 0


def test_generate_for_a_region_not_ones_own_is_refused(prefecture):
    response = signed_in(prefecture).post(LIST, {"region": ZHUZHOU})
    assert response.status_code == 400
    assert 'id="id_region_error"' in page_of(response)
    assert Sitrep.objects.count() == 0


def test_sitrep_pages_need_command_view(make_user, prefecture):
    sitrep_generate(actor=prefecture, region=CHANGSHA, date=clock.today())
    clinic = signed_in(make_user(Role.CLINIC_STAFF, "430102"))
    assert clinic.get(LIST).status_code == 403
    assert clinic.get(detail()).status_code == 403
    assert clinic.get(pdf()).status_code == 403


def test_sitrep_outside_the_jurisdiction_is_not_found(make_user, prefecture):
    sitrep_generate(actor=prefecture, region=CHANGSHA, date=clock.today())
    stranger = signed_in(make_user(Role.PREFECTURE_OFFICIAL, ZHUZHOU))
    assert stranger.get(detail()).status_code == 404
    assert stranger.get(pdf()).status_code == 404
    assert f"{CHANGSHA}/2020-02-01" not in page_of(stranger.get(LIST))
    client = signed_in(prefecture)
    assert client.get(detail(date="2020-01-31")).status_code == 404  # no report that day
    assert client.get(detail(date="not-a-day")).status_code == 404


def test_filter_by_region_with_a_bad_code(prefecture):
    sitrep_generate(actor=prefecture, region=CHANGSHA, date=clock.today())
    client = signed_in(prefecture)
    assert f"{CHANGSHA}/2020-02-01" in page_of(client.get(LIST, {"region": CHANGSHA}))
    response = client.get(LIST, {"region": "43010"})
    assert response.status_code == 400
    assert "Region code:" in page_of(response)
