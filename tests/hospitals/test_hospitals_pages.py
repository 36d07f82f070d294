"""The hospital pages: the beds board with the treatment figures and ward capacity, a hospital's
admissions and admit form, and an admission with its rounds, treatment, discharge, transfer and
death; roles and jurisdiction."""

import pytest
from tests.hospitals.conftest import DAYS_AGO, TODAY, at
from tests.hospitals.page_helpers import page_of, signed_in

from fangyi.accounts.choices import Role
from fangyi.hospitals import models, services
from fangyi.labs import models as labs
from fangyi.people.services import person_register
from fangyi.surveillance import services as surveillance
from fangyi.surveillance.models import Case

BOARD = "/hospitals/"


def admission_page(admission) -> str:
    return f"/hospitals/admissions/{admission.pk}/"


def negative_tests(admission, *days_ago: int) -> None:
    for n in days_ago:
        labs.TestResult.objects.create(
            person=admission.person,
            sampled_on=DAYS_AGO[n],
            sampled_at=at(DAYS_AGO[n], 8),
            result="negative",
            lab="湘雅检验科",
            county_id="430102",
        )


# The beds board ----------------------------------------------------------------------------------


def test_the_board_shows_beds_by_type_and_a_full_ward_in_red(manager, hospital, admit, make_case):
    admit(make_case("甲"), bed_type="icu")
    admit(make_case("乙"))
    response = signed_in(manager).get(BOARD)
    assert response.status_code == 200
    html = page_of(response)
    assert hospital.place.name in html and "County-level designated hospital" in html
    assert "1 of 2" in html and "1 of 1" in html
    assert html.count("beds-bar--full") == 1 and 'data-beds="icu" data-full' in html
    assert 'data-kpi="admitted">2<' in html and "2 in hospital · 0 cured · 0 died" in html


def test_the_board_has_an_empty_state_and_refuses_strangers(manager, staff, make_user):
    assert "No designated hospital has been registered in your jurisdiction." in page_of(
        signed_in(manager).get(BOARD)
    )
    outside = signed_in(manager).get(BOARD, {"region": "430103"})
    assert outside.status_code == 400 and "No such region." in page_of(outside)
    assert signed_in(make_user(Role.CHECKPOINT_STAFF, "430102")).get(BOARD).status_code == 403
    assert "ward-form" not in page_of(signed_in(staff).get(BOARD))


def test_a_manager_sets_a_wards_capacity_but_not_below_its_patients(manager, staff, hospital, admit, case):
    admit(case, bed_type="icu")
    path = f"/hospitals/{hospital.pk}/wards/"
    assert "ward-form" in page_of(signed_in(manager).get(BOARD))
    assert signed_in(manager).post(path, {"bed_type": "general", "capacity": "5"}).status_code == 302
    assert models.Ward.objects.get(hospital=hospital, bed_type="general").capacity == 5
    refused = signed_in(manager).post(path, {"bed_type": "icu", "capacity": "0"}, follow=True)
    assert models.Ward.objects.get(hospital=hospital, bed_type="icu").capacity == 1
    assert "1 patients are in these beds: the capacity cannot be lower." in page_of(refused)
    assert signed_in(staff).post(path, {"bed_type": "general", "capacity": "9"}).status_code == 403


def test_ward_capacity_outside_the_jurisdiction_is_not_found(make_user, hospital):
    outsider = make_user(Role.COUNTY_OFFICIAL, "430103")
    response = signed_in(outsider).post(
        f"/hospitals/{hospital.pk}/wards/", {"bed_type": "general", "capacity": "9"}
    )
    assert response.status_code == 404


# A hospital --------------------------------------------------------------------------------------


def test_a_hospital_number_too_long_for_the_database_is_no_page(manager):
    assert signed_in(manager).get("/hospitals/99999999999999999999/").status_code == 404
    assert signed_in(manager).get("/hospitals/2147483648/").status_code == 404


def test_staff_admit_a_patient_by_identity_number(staff, hospital, new_id_number):
    page = f"/hospitals/{hospital.pk}/"
    html = page_of(signed_in(staff).get(page))
    assert 'id="admit-form"' in html and "No patient has been admitted to this hospital." in html
    id_number = new_id_number()
    person = person_register(actor=None, name="孙七", id_number=id_number, home_region="430102001001")
    form = {"patient": id_number, "bed_type": "general", "admitted_on": "2020-02-10"}
    no_case = signed_in(staff).post(page, form)
    assert no_case.status_code == 400 and "This resident has no open case." in page_of(no_case)
    surveillance.case_report(
        actor=None,
        person_id=person.pk,
        classification="suspected",
        report_date=DAYS_AGO[1],
        residence="430102001001",
        reporting_unit="湘雅医院",
    )
    unknown = signed_in(staff).post(page, {**form, "patient": new_id_number()})
    assert unknown.status_code == 400 and 'id="id_admit_patient_error"' in page_of(unknown)
    assert models.Admission.objects.count() == 0
    assert signed_in(staff).post(page, form).status_code == 302
    assert models.Admission.objects.get().person == person


def test_staff_admit_by_case_id_and_see_the_admission_listed(staff, hospital, case):
    page = f"/hospitals/{hospital.pk}/"
    response = signed_in(staff).post(
        page,
        {"patient": str(case.pk), "bed_type": "general", "admitted_on": "2020-02-09", "severity": "mild"},
    )
    admission = models.Admission.objects.get()
    assert response.status_code == 302 and response["Location"] == admission_page(admission)
    html = page_of(signed_in(staff).get(page))
    assert case.person.name in html and case.person.id_number_masked in html and "In hospital" in html
    again = signed_in(staff).post(
        page, {"patient": str(case.pk), "bed_type": "icu", "admitted_on": "2020-02-10"}
    )
    assert again.status_code == 409 and "This patient is already in hospital." in page_of(again)
    assert models.Admission.objects.count() == 1


def test_a_full_ward_is_refused_on_the_form(staff, hospital, admit, make_case):
    admit(make_case("甲"), bed_type="icu")
    other = make_case("乙")
    response = signed_in(staff).post(
        f"/hospitals/{hospital.pk}/",
        {"patient": str(other.pk), "bed_type": "icu", "admitted_on": "2020-02-10"},
    )
    assert response.status_code == 409
    assert 'id="id_admit_bed_type_error"' in page_of(response)
    assert models.Admission.objects.filter(case=other).count() == 0


def test_a_hospital_page_by_role_and_jurisdiction(manager, other_staff, hospital, case):
    page = f"/hospitals/{hospital.pk}/"
    assert 'id="admit-form"' not in page_of(signed_in(manager).get(page))
    post = {"patient": str(case.pk), "bed_type": "general", "admitted_on": "2020-02-10"}
    assert signed_in(manager).post(page, post).status_code == 403
    assert signed_in(other_staff).get(page).status_code == 404
    assert signed_in(other_staff).post(page, post).status_code == 404
    assert signed_in(manager).get("/hospitals/999999/").status_code == 404


# An admission ------------------------------------------------------------------------------------


def test_an_admission_page_shows_the_patient_masked_and_its_forms(staff, admit, case):
    admission = admit(case, severity="moderate")
    services.severity_record(
        actor=staff, admission_id=admission.pk, date=DAYS_AGO[1], severity="moderate", temperature="38.2"
    )
    html = page_of(signed_in(staff).get(admission_page(admission)))
    assert case.person.name in html and case.person.id_number_masked in html
    assert f"/surveillance/cases/{case.pk}/" in html and 'id="severity-chart-data"' in html
    for marker in ('id="severity-form"', 'id="treatment-form"', 'id="discharge-form"', 'id="death-form"'):
        assert marker in html
    assert 'id="consultation-form"' not in html  # moderate: no remote consultation
    assert "The discharge criteria are not met yet:" in html


def test_daily_round_and_treatment_from_the_page(staff, admit, case):
    admission = admit(case)
    base = admission_page(admission)
    ok = signed_in(staff).post(base + "severity/", {"date": "2020-02-10", "severity": "severe", "spo2": "92"})
    assert ok.status_code == 302
    again = signed_in(staff).post(base + "severity/", {"date": "2020-02-10", "severity": "severe"})
    assert again.status_code == 409 and "This day&#x27;s round is already recorded." in page_of(again)
    bad = signed_in(staff).post(base + "severity/", {"date": "2020-02-09", "severity": "worse"})
    assert bad.status_code == 400 and models.SeverityUpdate.objects.count() == 1
    tcm = signed_in(staff).post(
        base + "treatment/", {"date": "2020-02-10", "kind": "tcm", "detail": "连花清瘟"}
    )
    assert tcm.status_code == 302
    html = page_of(signed_in(staff).get(base))
    assert "data-tcm" in html and "连花清瘟" in html and 'id="consultation-form"' in html
    assert (
        signed_in(staff).post(base + "treatment/", {"date": "2020-02-10", "kind": "tcm"}).status_code == 400
    )
    assert models.Treatment.objects.count() == 1


def test_discharge_without_the_criteria_lists_what_is_missing_and_writes_nothing(staff, admit, case):
    admission = admit(case)
    response = signed_in(staff).post(admission_page(admission) + "discharge/", {"date": "2020-02-10"})
    assert response.status_code == 409
    assert "consecutive negative tests at least 24 hours apart are needed; 0 found." in page_of(response)
    assert models.Admission.objects.get().status == "admitted"
    assert Case.objects.get(pk=case.pk).outcome == ""


def test_discharge_once_the_criteria_are_met(staff, admit, case):
    admission = admit(case)
    negative_tests(admission, 3, 1)
    assert "The discharge criteria are met." in page_of(signed_in(staff).get(admission_page(admission)))
    response = signed_in(staff).post(admission_page(admission) + "discharge/", {"date": "2020-02-10"})
    assert response.status_code == 302
    assert models.Admission.objects.get().status == "discharged"
    assert 'id="discharge-form"' not in page_of(signed_in(staff).get(admission_page(admission)))


def test_transfer_to_the_nearest_candidate(staff, admit, case, make_hospital):
    make_hospital("省人民医院", region="430105", level="province", beds={"icu": 2}, lat=28.2, lon=113.01)
    far = make_hospital(
        "岳阳市人民医院", region="430602", level="prefecture", beds={"icu": 1}, lat=29.36, lon=113.13
    )
    admission = admit(case)
    html = page_of(signed_in(staff).get(admission_page(admission)))
    assert html.index("省人民医院") < html.index("岳阳市人民医院") and 'id="transfer-form"' in html
    empty = signed_in(staff).post(
        admission_page(admission) + "transfer/", {"hospital_id": far.pk, "date": "2020-02-10"}
    )
    assert empty.status_code == 400 and models.Admission.objects.count() == 1
    moved = signed_in(staff).post(
        admission_page(admission) + "transfer/",
        {"hospital_id": far.pk, "bed_type": "icu", "date": "2020-02-10", "reason": "ICU"},
    )
    assert moved.status_code == 302
    assert models.Admission.objects.get(pk=admission.pk).status == "transferred"


def test_record_death_needs_the_confirmation(staff, admit, case):
    admission = admit(case)
    path = admission_page(admission) + "death/"
    unconfirmed = signed_in(staff).post(path, {"date": "2020-02-10"})
    assert unconfirmed.status_code == 400 and models.Admission.objects.get().status == "admitted"
    assert signed_in(staff).post(path, {"date": "2020-02-10", "confirm": "on"}).status_code == 302
    assert models.Admission.objects.get().status == "died"


def test_an_admission_by_role_and_jurisdiction(manager, other_staff, admit, case):
    admission = admit(case)
    html = page_of(signed_in(manager).get(admission_page(admission)))
    assert case.person.name in html and 'id="severity-form"' not in html
    assert (
        signed_in(manager)
        .post(admission_page(admission) + "severity/", {"date": "2020-02-10", "severity": "mild"})
        .status_code
        == 403
    )
    assert signed_in(other_staff).get(admission_page(admission)).status_code == 404
    assert (
        signed_in(other_staff)
        .post(admission_page(admission) + "death/", {"date": "2020-02-10", "confirm": "on"})
        .status_code
        == 404
    )
    assert models.Admission.objects.get().status == "admitted"


def test_a_request_for_a_consultation_is_for_severe_patients(staff, admit, case):
    admission = admit(case, severity="mild")
    path = admission_page(admission) + "consultation/"
    refused = signed_in(staff).post(path, {"question": "请会诊"})
    assert refused.status_code == 409 and models.Consultation.objects.count() == 0
    services.severity_record(actor=staff, admission_id=admission.pk, date=TODAY, severity="critical")
    assert signed_in(staff).post(path, {"question": "请会诊"}).status_code == 302
    consultation = models.Consultation.objects.get()
    assert f"/hospitals/consultations/{consultation.pk}/" in page_of(
        signed_in(staff).get(admission_page(admission))
    )


@pytest.mark.parametrize("suffix", ["unknown/"])
def test_an_unknown_action_is_not_found(staff, admit, case, suffix):
    admission = admit(case)
    assert signed_in(staff).post(admission_page(admission) + suffix, {}).status_code == 404
