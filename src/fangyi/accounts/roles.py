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
}
# Officials who work colour overrides and appeals, and follow up fever referrals in their area.
MANAGING = {"healthpass.manage", "labs.referrals"}
CLINICAL = {"places.view", "people.view", "cases.view", "cases.report", "reports.view"}
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
    Role.TOWNSHIP_OFFICIAL: frozenset(OFFICIAL | {"people.manage", "places.manage", "healthpass.scan"}),
    Role.GRID_WORKER: frozenset(
        {"regions.view_grids", "places.view", "people.view", "people.manage", "healthpass.scan"}
    ),
    Role.CHECKPOINT_STAFF: frozenset({"places.view", "healthpass.scan"}),
    Role.CLINIC_STAFF: frozenset(CLINICAL | {"labs.referrals", "labs.results"}),
    Role.LAB_STAFF: frozenset({"places.view", "people.view", "cases.view", "reports.view", "labs.results"}),
    Role.HOSPITAL_STAFF: frozenset(CLINICAL),
    Role.EXPERT: frozenset({"places.view", "cases.view", "reports.view"}),
    Role.SUPPLY_OFFICER: frozenset({"places.view"}),
    Role.ENTERPRISE_LIAISON: frozenset({"places.view", "healthpass.scan"}),
    Role.EMPLOYER: frozenset(),
    Role.MERCHANT: frozenset(),
    Role.VOLUNTEER_COORDINATOR: frozenset({"places.view"}),
    # A resident holds their own health code (the login must be linked to a resident).
    Role.RESIDENT: frozenset({"healthpass.own_code"}),
}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())
