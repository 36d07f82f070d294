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
}
CLINICAL = {"places.view", "people.view", "cases.view", "cases.report", "reports.view"}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROVINCIAL_COMMAND: frozenset(OFFICIAL | {"people.reveal", "places.manage", "response.manage"}),
    Role.PREFECTURE_OFFICIAL: frozenset(
        OFFICIAL | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.COUNTY_OFFICIAL: frozenset(
        OFFICIAL | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.TOWNSHIP_OFFICIAL: frozenset(OFFICIAL | {"people.manage", "places.manage"}),
    Role.GRID_WORKER: frozenset({"regions.view_grids", "places.view", "people.view", "people.manage"}),
    Role.CHECKPOINT_STAFF: frozenset({"places.view"}),
    Role.CLINIC_STAFF: frozenset(CLINICAL),
    Role.LAB_STAFF: frozenset({"places.view", "people.view", "cases.view", "reports.view"}),
    Role.HOSPITAL_STAFF: frozenset(CLINICAL),
    Role.EXPERT: frozenset({"places.view", "cases.view", "reports.view"}),
    Role.SUPPLY_OFFICER: frozenset({"places.view"}),
    Role.ENTERPRISE_LIAISON: frozenset({"places.view"}),
    Role.EMPLOYER: frozenset(),
    Role.MERCHANT: frozenset(),
    Role.VOLUNTEER_COORDINATOR: frozenset({"places.view"}),
    Role.RESIDENT: frozenset(),
}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())
