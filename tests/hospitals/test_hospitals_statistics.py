"""Treatment statistics over a small hand-computed set of hospitalisations."""

import pytest
from tests.hospitals.conftest import DAYS_AGO

from fangyi.core.errors import DomainError
from fangyi.hospitals import selectors, services
from fangyi.hospitals.models import Admission


def end(admission_pk, status: str, days_ago: int) -> None:
    """Close a stay directly: the criteria are the services' tests, not these."""
    Admission.objects.filter(pk=admission_pk).update(status=status, ended_on=DAYS_AGO[days_ago])


def test_hand_computed_statistics(staff, manager, make_hospital, make_case, admit):
    big = make_hospital("市医院", region="430103", level="prefecture", beds={"general": 10, "icu": 2})
    cases = [make_case(f"病人{n}", reported=20) for n in range(5)]
    # A: mild, TCM, cured after 10 days.
    a = admit(cases[0], days_ago=15, severity="mild")
    services.treatment_record(
        actor=staff, admission_id=a.pk, date=DAYS_AGO[14], kind="tcm", detail="清肺排毒汤"
    )
    end(a.pk, "discharged", 5)
    # B: mild, becomes severe, transferred to the prefecture hospital, cured there: 14 days in all.
    b = admit(cases[1], days_ago=16, severity="mild")
    services.severity_record(actor=staff, admission_id=b.pk, date=DAYS_AGO[12], severity="severe")
    moved = services.admission_transfer(
        actor=staff, admission_id=b.pk, hospital_id=big.pk, bed_type="icu", date=DAYS_AGO[10], reason="加重"
    )
    end(moved.pk, "discharged", 2)
    # C: moderate, TCM, cured after 18 days.
    c = admit(cases[2], days_ago=18, severity="moderate", bed_type="icu")
    services.treatment_record(
        actor=staff, admission_id=c.pk, date=DAYS_AGO[17], kind="tcm", detail="连花清瘟"
    )
    end(c.pk, "discharged", 0)
    # D: severe, died. E: mild, still in hospital.
    d = admit(cases[3], days_ago=9, severity="severe")
    end(d.pk, "died", 3)
    admit(cases[4], days_ago=2, severity="mild")

    figures = selectors.treatment_statistics(actor=manager, region="430102")
    assert figures["admitted"] == 5  # B counted once, where it began
    assert (figures["in_hospital"], figures["cured"], figures["died"]) == (1, 3, 1)
    assert figures["cure_rate"] == 0.75  # 3 cured of 4 who left
    assert figures["median_length_of_stay_days"] == 14.0  # 10, 14, 18
    assert figures["mean_length_of_stay_days"] == 14.0
    assert figures["tcm_rate"] == 0.4  # A and C of 5
    assert figures["mean_los_tcm_days"] == 14.0  # (10 + 18) / 2
    assert figures["mean_los_without_tcm_days"] == 14.0  # B
    assert figures["los_difference_days"] == 0.0
    assert (figures["mild_admitted"], figures["converted_to_severe"]) == (3, 1)  # A, B, E; B converted
    assert figures["conversion_rate"] == 0.3333

    window = selectors.treatment_statistics(
        actor=manager, region="430102", start=DAYS_AGO[10], end=DAYS_AGO[0]
    )
    assert (
        window["admitted"],
        window["died"],
        window["cure_rate"],
        window["median_length_of_stay_days"],
    ) == (
        2,
        1,
        0.0,
        None,
    )
    # The prefecture hospital's county saw no hospitalisation begin.
    assert selectors.treatment_statistics(actor=staff, region="430102")["admitted"] == 5


def test_statistics_outside_the_jurisdiction_is_not_found(other_staff):
    with pytest.raises(DomainError) as caught:
        selectors.treatment_statistics(actor=other_staff, region="430102")
    assert caught.value.code == "region.not_found"
