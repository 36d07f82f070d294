from tests.volunteers.conftest import at

from fangyi.volunteers import services
from fangyi.volunteers.choices import HoursStatus


def test_check_in_and_out_then_approval(volunteer, assigned, coordinator):
    user, _volunteer = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    record = services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9, 30))
    assert record.minutes == 90 and record.status == HoursStatus.PENDING
    record = services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    assert record.status == HoursStatus.APPROVED
    certificate = services.certificate_issue(actor=coordinator, volunteer_id=_volunteer.pk)
    assert str(certificate.hours) == "1.5"
