import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from tests.volunteers.conftest import at

from fangyi.core import clock
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.volunteers import selectors, services
from fangyi.volunteers.certificates import certificate_pdf
from fangyi.volunteers.models import Certificate


def _approved(coordinator, signup, start, end):
    record = services.hours_log(actor=coordinator, signup_id=signup.pk, check_in_at=start, check_out_at=end)
    return services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)


@pytest.fixture
def served(volunteer, assigned, coordinator, make_mission):
    """Hours on two missions: 1 h 40 and 2 h approved on the 10th and the 8th, 3 h rejected."""
    user, vol = volunteer
    with clock.frozen_at(at(7, 9)):
        earlier = make_mission(starts_at=at(8, 8), ends_at=at(8, 20))
        signup = services.signup_create(actor=user, mission_id=earlier.pk)
        signup = services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    _approved(coordinator, assigned, at(10, 8), at(10, 9, 40))
    _approved(coordinator, signup, at(8, 8), at(8, 10))
    rejected = services.hours_log(
        actor=coordinator, signup_id=signup.pk, check_in_at=at(8, 11), check_out_at=at(8, 14)
    )
    services.hours_decide(actor=coordinator, record_id=rejected.pk, approve=False, note="重复登记")
    return vol


def test_a_certificate_counts_approved_hours_only(served, coordinator):
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=served.pk)
    assert certificate.hours == Decimal("3.7")
    assert certificate.missions == 2
    assert (certificate.first_day, certificate.last_day) == (dt.date(2020, 2, 8), dt.date(2020, 2, 10))
    assert certificate.issued_by_id == coordinator.pk
    assert certificate.serial.startswith("VC20200210") and len(certificate.serial) == 18
    assert selectors.SERIAL_PATTERN.match(certificate.serial)


def test_each_certificate_has_its_own_serial(served, coordinator):
    serials = {services.certificate_issue(actor=coordinator, volunteer_id=served.pk).serial for _ in range(5)}
    assert len(serials) == 5


def test_no_approved_hours_no_certificate(volunteer, assigned, coordinator):
    _user, vol = volunteer
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    with pytest.raises(DomainError) as excinfo:
        services.certificate_issue(actor=coordinator, volunteer_id=vol.pk)
    assert excinfo.value.code == "certificate.no_hours" and excinfo.value.status == 409
    assert not Certificate.objects.exists()


def test_certificates_are_issued_by_the_volunteers_coordinator(served, other_coordinator, volunteer):
    user, _vol = volunteer
    with pytest.raises(NotFound):
        services.certificate_issue(actor=other_coordinator, volunteer_id=served.pk)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=user, volunteer_id=served.pk)
    assert not Certificate.objects.exists()


def test_anyone_verifies_a_certificate_and_sees_a_masked_name(served, coordinator):
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=served.pk)
    check = selectors.certificate_verify(f"  {certificate.serial.lower()} ")
    assert check.serial == certificate.serial
    name = served.person.name
    assert check.name == name[0] + "*" * (len(name) - 1) and name not in str(vars(check))
    assert check.hours == Decimal("3.7") and check.missions == 2
    assert check.region == served.region.name
    assert check.issued_on == dt.date(2020, 2, 10)


@pytest.mark.parametrize("serial", ["", "VC2020021", "VC20200210ABCDEFGI", "x" * 500, "VC20200210AAAAAAAA"])
def test_an_unknown_serial_is_not_found(db, serial):
    with pytest.raises(NotFound) as excinfo:
        selectors.certificate_verify(serial)
    assert excinfo.value.code == "certificate.not_found"


def test_certificates_are_read_by_their_volunteer_and_officials(
    served, coordinator, volunteer, make_resident
):
    user, _vol = volunteer
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=served.pk)
    assert [c.serial for c in selectors.my_certificates(actor=user)] == [certificate.serial]
    assert selectors.certificate_get(actor=user, serial=certificate.serial).pk == certificate.pk
    assert selectors.certificate_get(actor=coordinator, serial=certificate.serial).pk == certificate.pk
    with pytest.raises(NotFound):
        selectors.certificate_get(actor=make_resident(), serial=certificate.serial)


def test_the_pdf(served, coordinator):
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=served.pk)
    with translation.override("en"):
        pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf
    # The document's title (plain text in English) names the serial.
    assert f"Volunteer service certificate {certificate.serial}".encode() in pdf
