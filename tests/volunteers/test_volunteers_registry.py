from tests.volunteers.conftest import VILLAGE

from fangyi.volunteers import selectors, services
from fangyi.volunteers.models import Volunteer


def test_a_resident_registers_as_volunteer(resident):
    volunteer = services.volunteer_register_self(
        actor=resident, region=VILLAGE, skills=["driving", "medical"], languages=["mandarin"]
    )
    assert volunteer.region_id == VILLAGE
    assert volunteer.skills == ["driving", "medical"]
    assert selectors.my_volunteer(actor=resident).pk == volunteer.pk
    assert Volunteer.objects.count() == 1
