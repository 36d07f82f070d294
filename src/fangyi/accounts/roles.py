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
    "supplies.view",
    "resumption.view",
    "volunteers.view",
    "vouchers.view",
    "command.view",
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
# Officials who set up labs, designated hospitals and bed capacity, and the expert groups; who
# register enterprises, station liaisons, approve resumption, work problem tickets at their level,
# keep the support-policy catalogue of their region and decide applications to it; who run voucher
# programmes, review merchants and the fraud queue, and settle with merchants.
SETTING_UP = {
    "labs.manage",
    "hospitals.manage",
    "resumption.manage",
    "resumption.policies",
    "vouchers.manage",
}
# Every command level issues directives to the levels below it, acts on those it receives, and
# asks for supplies for its area.
COMMANDING = {"command.issue", "command.respond", "supplies.request"}
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
        OFFICIAL
        | MANAGING
        | SETTING_UP
        | {"people.reveal", "places.manage", "response.manage", "command.issue", "supplies.manage"}
    ),
    Role.PREFECTURE_OFFICIAL: frozenset(
        OFFICIAL
        | MANAGING
        | SETTING_UP
        | COMMANDING
        | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.COUNTY_OFFICIAL: frozenset(
        OFFICIAL
        | MANAGING
        | SETTING_UP
        | COMMANDING
        | {"people.reveal", "people.manage", "places.manage", "cases.report"}
    ),
    Role.TOWNSHIP_OFFICIAL: frozenset(
        OFFICIAL
        | COMMANDING
        | {
            "people.manage",
            "places.manage",
            "healthpass.scan",
            "screening.verify",
            "quarantine.manage",
            "quarantine.checkin",
            # Communities organise their volunteers.
            "volunteers.coordinate",
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
            # The village's own directives: acknowledged and reported on by its grid worker.
            "command.view",
            "command.respond",
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
    Role.HOSPITAL_STAFF: frozenset(CLINICAL | {"labs.results", "hospitals.treat", "supplies.request"}),
    # An expert reads the patients of the consultations they are invited to and gives an opinion.
    Role.EXPERT: frozenset(
        {"places.view", "cases.view", "reports.view", "hospitals.view", "hospitals.consult"}
    ),
    # A supply officer keeps the warehouses' ledger, runs allocations, ships and records donations.
    Role.SUPPLY_OFFICER: frozenset({"places.view", "supplies.view", "supplies.manage", "supplies.donations"}),
    # A liaison acts only for the enterprises and parks they are stationed at (see resumption).
    Role.ENTERPRISE_LIAISON: frozenset({"places.view", "healthpass.scan", "resumption.liaise"}),
    # An employer acts for the enterprises its login belongs to and posts their jobs.
    Role.EMPLOYER: frozenset({"resumption.enterprise", "employment.post"}),
    # A merchant's login registers its shop for vouchers, redeems and refunds them against its orders
    # and reads its settlements.
    Role.MERCHANT: frozenset({"vouchers.merchant"}),
    # A coordinator registers volunteers, verifies counsellors, runs missions and hotline rotas and
    # approves hours.
    Role.VOLUNTEER_COORDINATOR: frozenset({"places.view", "volunteers.view", "volunteers.coordinate"}),
    # A resident holds their own health code, checks in their own temperature while observed and may
    # serve as a volunteer, claim consumption vouchers and look for work (the login must be linked to
    # a resident).
    Role.RESIDENT: frozenset(
        {
            "healthpass.own_code",
            "quarantine.own_checkin",
            "volunteers.serve",
            "vouchers.claim",
            "employment.seek",
        }
    ),
}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())
