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
}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROVINCIAL_COMMAND: frozenset(OFFICIAL | {"people.reveal", "places.manage"}),
    Role.PREFECTURE_OFFICIAL: frozenset(OFFICIAL | {"people.reveal", "people.manage", "places.manage"}),
    Role.COUNTY_OFFICIAL: frozenset(OFFICIAL | {"people.reveal", "people.manage", "places.manage"}),
    Role.TOWNSHIP_OFFICIAL: frozenset(OFFICIAL | {"people.manage", "places.manage"}),
    Role.GRID_WORKER: frozenset({"regions.view_grids", "places.view", "people.view", "people.manage"}),
    Role.CHECKPOINT_STAFF: frozenset({"places.view"}),
    Role.CLINIC_STAFF: frozenset({"places.view", "people.view"}),
    Role.LAB_STAFF: frozenset({"places.view", "people.view"}),
    Role.HOSPITAL_STAFF: frozenset({"places.view", "people.view"}),
    Role.EXPERT: frozenset({"places.view"}),
    Role.SUPPLY_OFFICER: frozenset({"places.view"}),
    Role.ENTERPRISE_LIAISON: frozenset({"places.view"}),
    Role.EMPLOYER: frozenset(),
    Role.MERCHANT: frozenset(),
    Role.VOLUNTEER_COORDINATOR: frozenset({"places.view"}),
    Role.RESIDENT: frozenset(),
}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())
