from fangyi.accounts.models import RoleAssignment, User
from fangyi.accounts.roles import ALL_CAPABILITIES


def role_assignments_of(*, user: User) -> list[RoleAssignment]:
    return list(user.role_assignments.select_related("region").order_by("region_id", "role"))


def capabilities_of(*, user: User) -> dict[str, list[str]]:
    """Each capability the user holds, with the region paths where it applies."""
    held = {cap: list(user.prefixes_for(cap)) for cap in sorted(ALL_CAPABILITIES)}
    return {cap: paths for cap, paths in held.items() if paths}
