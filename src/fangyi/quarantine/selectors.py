"""Reads of close contacts, observation periods, check-ins, alerts and sites.

Scoped reads are narrowed to the actor's jurisdiction by the resident's home (contacts,
observation) or the site's region. The `*_by_person` reads are unscoped system reads for rules
computed over residents (the health code's colours).
"""

VIEW = "quarantine.view"
MANAGE = "quarantine.manage"
CHECKIN = "quarantine.checkin"
TRACE = "quarantine.trace"
OWN_CHECKIN = "quarantine.own_checkin"
