"""Contact tracing: the window before onset or sampling, secondary contacts, and a contact who
becomes a case leaving observation for treatment."""

import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent
from fangyi.quarantine import services
from fangyi.quarantine.models import Contact, ObservationPeriod, Protocol
from fangyi.surveillance import services as surveillance

D = dt.date
TODAY = D(2020, 2, 10)  # the `morning` fixture's day
pytestmark = pytest.mark.usefixtures("morning")


@pytest.fixture
def trace(official):
    def register(case, person, last_contact_on, **fields):
        return services.contact_register(
            actor=official,
            case_id=case.pk,
            person_id=person.pk,
            contact_type=fields.pop("contact_type", "household"),
            last_contact_on=last_contact_on,
            **fields,
        )

    return register


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.code
    return caught.value


def test_the_window_opens_two_days_before_onset(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    assert services.window_start(case, services.protocol_on(TODAY)) == D(2020, 2, 3)
    inside = resident_of("钱一")
    contact = trace(case, inside, D(2020, 2, 3))
    assert (contact.degree, contact.via, contact.region_id, contact.contact_type) == (
        1,
        None,
        inside.home_region_id,
        "household",
    )
    period = ObservationPeriod.objects.get(person=inside)
    assert (period.source, period.contact, period.kind) == ("contact", contact, "home")
    assert (period.last_exposure_on, period.due_on) == (D(2020, 2, 3), D(2020, 2, 17))
    outside = resident_of("钱二")
    error = refused("contact.outside_window", trace, case, outside, D(2020, 2, 2))
    assert error.field == "last_contact_on" and "2020-02-03" in error.render_message()
    assert not Contact.objects.filter(person=outside).exists()
    assert not ObservationPeriod.objects.filter(person=outside).exists()
    assert AuditEvent.objects.filter(action="contact.register").count() == 1


def test_an_asymptomatic_infection_counts_from_its_sampling(report_case, resident_of, trace):
    case = report_case(reported=D(2020, 2, 8), asymptomatic=True)
    assert case.onset_date is None
    trace(case, resident_of("孙一"), D(2020, 2, 6))
    refused("contact.outside_window", trace, case, resident_of("孙二"), D(2020, 2, 5))


def test_a_later_edition_widens_the_window(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    refused("contact.outside_window", trace, case, resident_of("周一"), D(2020, 2, 1))
    Protocol.objects.create(
        version="2020-04",
        name="第六版",
        effective_from=D(2020, 2, 9),
        observation_days=14,
        contact_window_days=4,
    )
    assert trace(case, resident_of("周二"), D(2020, 2, 1)).last_contact_on == D(2020, 2, 1)


def test_a_contact_in_the_future_or_of_an_unknown_type_is_refused(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    person = resident_of()
    refused("contact.date_in_future", trace, case, person, D(2020, 2, 11))
    refused("contact.invalid_type", trace, case, person, D(2020, 2, 6), contact_type="telepathy")
    refused("observation.invalid_kind", trace, case, person, D(2020, 2, 6), observation_kind="tent")
    refused("observation.site_required", trace, case, person, D(2020, 2, 6), observation_kind="centralised")
    assert not Contact.objects.exists() and not ObservationPeriod.objects.exists()


def test_the_case_is_not_its_own_contact_and_a_contact_is_registered_once(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    error = refused("contact.is_the_case", trace, case, case.person, D(2020, 2, 6))
    assert error.field == "person_id"
    person = resident_of()
    trace(case, person, D(2020, 2, 6))
    error = refused("contact.duplicate", trace, case, person, D(2020, 2, 7), contact_type="work")
    assert error.status == 409
    assert Contact.objects.filter(person=person).count() == 1
    assert ObservationPeriod.objects.get(person=person).due_on == D(2020, 2, 20)


def test_secondary_contacts_come_through_a_primary_contact_of_the_same_case(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    other_case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    primary = trace(case, resident_of("吴一"), D(2020, 2, 6))
    secondary = trace(
        case, resident_of("吴二"), D(2020, 2, 8), via_contact_id=primary.pk, contact_type="shared_meal"
    )
    assert (secondary.degree, secondary.via) == (2, primary)
    assert list(primary.secondary.all()) == [secondary]
    for via in (secondary.pk, trace(other_case, resident_of("吴三"), D(2020, 2, 6)).pk, "no-such-contact"):
        refused("contact.invalid_via", trace, case, resident_of(), D(2020, 2, 8), via_contact_id=via)


def test_a_contact_under_observation_keeps_one_period_that_runs_to_the_latest_exposure(
    report_case, resident_of, trace, observe
):
    person = resident_of()
    period = observe(person, days_ago=3)  # due 2020-02-21
    first = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    trace(first, person, D(2020, 2, 6))  # earlier than the period's exposure: no change
    period.refresh_from_db()
    assert (period.last_exposure_on, period.due_on) == (D(2020, 2, 7), D(2020, 2, 21))
    second = report_case(onset=D(2020, 2, 8), reported=D(2020, 2, 9))
    trace(second, person, D(2020, 2, 9))
    period.refresh_from_db()
    assert (period.last_exposure_on, period.due_on) == (D(2020, 2, 9), D(2020, 2, 23))
    assert ObservationPeriod.objects.filter(person=person).count() == 1
    assert AuditEvent.objects.get(action="observation.extend").data == {
        "from": "2020-02-21",
        "to": "2020-02-23",
    }


def test_a_contact_whose_days_have_passed_is_registered_without_observation(report_case, resident_of, trace):
    case = report_case(onset=D(2020, 1, 20), reported=D(2020, 1, 24))
    person = resident_of()
    contact = trace(case, person, D(2020, 1, 25))
    assert contact.pk and not ObservationPeriod.objects.filter(person=person).exists()


def test_a_contact_can_be_placed_at_a_site(official, report_case, resident_of, trace):
    site = services.site_create(
        actor=official, name="芙蓉宾馆", kind="hotel", region="430102", address="", rooms=1
    )
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    trace(case, resident_of("郑一"), D(2020, 2, 6), observation_kind="centralised", site_id=site.pk, room="8")
    refused(
        "observation.site_full",
        trace,
        case,
        resident_of("郑二"),
        D(2020, 2, 6),
        observation_kind="centralised",
        site_id=site.pk,
    )
    assert Contact.objects.count() == 1  # the refused contact left nothing behind


def test_tracing_needs_the_capability_over_the_cases_county(report_case, resident_of, make_user, outsider):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    person = resident_of()
    arguments = {
        "case_id": case.pk,
        "person_id": person.pk,
        "contact_type": "work",
        "last_contact_on": D(2020, 2, 6),
    }
    with pytest.raises(NotFound):
        services.contact_register(actor=outsider, **arguments)
    with pytest.raises(PermissionDenied):
        services.contact_register(actor=make_user(Role.GRID_WORKER, "430102001001"), **arguments)
    clinic = make_user(Role.CLINIC_STAFF, "430102")
    assert services.contact_register(actor=clinic, **arguments).registered_by == clinic
    refused("case.not_found", services.contact_register, actor=clinic, **{**arguments, "case_id": "bad"})


def test_an_excluded_case_has_no_contacts(report_case, resident_of, trace):
    suspect = surveillance.case_report(
        actor=None,
        person_id=resident_of("冯一").pk,
        classification="suspected",
        report_date=D(2020, 2, 8),
        onset_date=D(2020, 2, 7),
        residence="430102001001",
        reporting_unit="湘雅医院",
    )
    trace(suspect, resident_of("冯二"), D(2020, 2, 8))  # a suspected case is traced
    surveillance.case_exclude(actor=None, case_id=suspect.pk, date=D(2020, 2, 9))
    suspect.refresh_from_db()
    refused("contact.case_excluded", trace, suspect, resident_of("冯三"), D(2020, 2, 8))


# A contact who becomes a case ---------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.usefixtures("immediate_tasks")
@pytest.mark.parametrize("classification", ["confirmed", "asymptomatic"])
def test_a_contact_who_becomes_a_case_leaves_observation_for_treatment(
    report_case, resident_of, trace, django_capture_on_commit_callbacks, classification
):
    case = report_case(onset=D(2020, 2, 5), reported=D(2020, 2, 8))
    person = resident_of()
    trace(case, person, D(2020, 2, 6))
    with django_capture_on_commit_callbacks(execute=True):
        secondary = report_case(reported=TODAY, asymptomatic=classification == "asymptomatic", person=person)
    period = ObservationPeriod.objects.get(person=person)
    assert (period.status, period.ended_on, period.ended_by) == ("to_treatment", TODAY, None)
    assert period.end_note
    audit = AuditEvent.objects.get(action="observation.end", object_id=str(period.pk))
    assert audit.actor is None and audit.data["status"] == "to_treatment"
    assert services.observation_end_for_case(case_id=secondary.pk) is None  # idempotent


@pytest.mark.usefixtures("immediate_tasks")
def test_a_suspected_case_stays_under_observation(resident_of, observe, django_capture_on_commit_callbacks):
    person = resident_of()
    observe(person)
    with django_capture_on_commit_callbacks(execute=True):
        surveillance.case_report(
            actor=None,
            person_id=person.pk,
            classification="suspected",
            report_date=TODAY,
            residence="430102001001",
            reporting_unit="湘雅医院",
        )
    assert ObservationPeriod.objects.get(person=person).status == "active"
