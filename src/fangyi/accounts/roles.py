"""What each role may do, inside the region where it is held.

Capabilities are plain strings named `<app>.<verb>`; apps ask `actor.prefixes_for(capability)`
(see fangyi.core.access). A capability not listed for a role is denied.
"""

from fangyi.accounts.choices import Role

OFFICIAL = {
    "regions.view_grids",
    "places.view",
    "people.view",
    "audit.view",
    "cases.view",
    "reports.view",
    "healthpass.view",
    "screening.view",
    "quarantine.view",
    "labs.view",
    "hospitals.view",
}
# Officials who work colour overrides and appeals, follow up fever referrals, run screenings and
# manage observation and contact tracing in their area.
MANAGING = {
    "healthpass.manage",
    "labs.referrals",
    "screening.run",
    "screening.verify",
    "quarantine.manage",
    "quarantine.checkin",
    "quarantine.trace",
}
# Officials who set up labs, designated hospitals and bed capacity, and the expert groups.
SETTING_UP = {"labs.manage", "hospitals.manage"}
CLINICAL = {
    "places.view",
    "people.view",
    "cases.view",
    "cases.report",
    "reports.view",
    "quarantine.view",
    "labs.view",
    "hospitals.view",
}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROVINCIAL_COMMAND: frozenset(
        OFFICIAL | MANAGING | SETTING_UP | {"people.reveal", "places.manage", "response.manage"}
    ),
    Role.PREFECTURE_OFFICIAL: frozenset(
        OFFICIAL | MANAGING | SETTING_UP | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.COUNTY_OFFICIAL: frozenset(
        OFFICIAL | MANAGING | SETTING_UP | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.TOWNSHIP_OFFICIAL: frozenset(
        OFFICIAL
        | {
            "people.manage",
            "places.manage",
            "healthpass.scan",
            "screening.verify",
            "quarantine.manage",
            "quarantine.checkin",
        }
    ),
    # A grid worker visits the screened residents of their village and takes the temperatures of
    # those observed at home there.
    Role.GRID_WORKER: frozenset(
        {
            "regions.view_grids",
            "places.view",
            "people.view",
            "people.manage",
            "healthpass.scan",
            "screening.verify",
            "quarantine.view",
            "quarantine.checkin",
        }
    ),
    Role.CHECKPOINT_STAFF: frozenset({"places.view", "healthpass.scan"}),
    # Fever-clinic staff triage visitors and take samples; lab staff receive samples and report.
    Role.CLINIC_STAFF: frozenset(
        CLINICAL | {"labs.referrals", "labs.clinic", "labs.results", "quarantine.trace"}
    ),
    Role.LAB_STAFF: frozenset(
        {"places.view", "people.view", "cases.view", "reports.view", "labs.view", "labs.results"}
    ),
    # Hospital staff admit and treat cases, transfer them and ask the experts for a consultation.
    Role.HOSPITAL_STAFF: frozenset(CLINICAL | {"labs.results", "hospitals.treat"}),
    # An expert reads the patients of the consultations they are invited to and gives an opinion.
    Role.EXPERT: frozenset(
        {"places.view", "cases.view", "reports.view", "hospitals.view", "hospitals.consult"}
    ),
    Role.SUPPLY_OFFICER: frozenset({"places.view"}),
    Role.ENTERPRISE_LIAISON: frozenset({"places.view", "healthpass.scan"}),
    Role.EMPLOYER: frozenset(),
    Role.MERCHANT: frozenset(),
    Role.VOLUNTEER_COORDINATOR: frozenset({"places.view"}),
    # A resident holds their own health code (the login must be linked to a resident).
    # A resident holds their own health code and checks in their own temperature while observed
    # (the login must be linked to a resident).
    Role.RESIDENT: frozenset({"healthpass.own_code", "quarantine.own_checkin"}),
}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())
