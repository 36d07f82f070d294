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
CLINICAL = {"places.view", "people.view", "cases.view", "cases.report", "reports.view", "quarantine.view"}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROVINCIAL_COMMAND: frozenset(
        OFFICIAL | MANAGING | {"people.reveal", "places.manage", "response.manage"}
    ),
    Role.PREFECTURE_OFFICIAL: frozenset(
        OFFICIAL | MANAGING | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.COUNTY_OFFICIAL: frozenset(
        OFFICIAL | MANAGING | {"people.reveal", "people.manage", "places.manage", "cases.report"}
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
    Role.CLINIC_STAFF: frozenset(CLINICAL | {"labs.referrals", "labs.results", "quarantine.trace"}),
    Role.LAB_STAFF: frozenset({"places.view", "people.view", "cases.view", "reports.view", "labs.results"}),
    Role.HOSPITAL_STAFF: frozenset(CLINICAL),
    Role.EXPERT: frozenset({"places.view", "cases.view", "reports.view"}),
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
