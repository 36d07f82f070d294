from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    CONSTRUCTION = "construction", _("Construction")
    ENERGY = "energy", _("Energy and utilities")
    LOGISTICS = "logistics", _("Transport and logistics")
    RETAIL = "retail", _("Wholesale and retail")
    CATERING = "catering", _("Hotels and catering")
    IT = "it", _("Information technology")
    SERVICES = "services", _("Business services")
    OTHER = "other", _("Other")


class ResumptionStatus(models.TextChoices):
    NOT_RESUMED = "not_resumed", _("Not resumed")
    PARTLY = "partly", _("Partly resumed")
    FULLY = "fully", _("Fully resumed")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the county")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlanItem(models.TextChoices):
    """The prevention plan every enterprise keeps before it reopens (2020 provincial guidance)."""

    RESPONSIBLE = "responsible", _("A named person responsible for prevention")
    STAFF_REGISTER = "staff_register", _("A register of every employee's whereabouts over 14 days")
    HEALTH_CODES = "health_codes", _("Health codes checked for every returning employee")
    ENTRANCE_CHECKS = "entrance_checks", _("Temperature checks at every entrance")
    MASKS = "masks", _("Masks and disinfectant stocked for at least 7 days")
    DISINFECTION = "disinfection", _("Workplaces, canteens and dormitories disinfected daily")
    CANTEEN = "canteen", _("Staggered meals or boxed meals in the canteen")
    ISOLATION_ROOM = "isolation_room", _("A temporary isolation room")
    EMERGENCY = "emergency", _("An emergency plan with the nearest fever clinic")


class TicketCategory(models.TextChoices):
    LABOUR = "labour", _("Labour shortage")
    FUNDING = "funding", _("Funding")
    MATERIALS = "materials", _("Raw materials and parts")
    LOGISTICS = "logistics", _("Logistics")
    POLICY = "policy", _("Policy")
    OTHER = "other", _("Other")


class TicketPriority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class TicketLevel(models.TextChoices):
    """Who handles a ticket: the county first, then the prefecture, then the provincial policy group."""

    COUNTY = "county", _("County")
    PREFECTURE = "prefecture", _("Prefecture")
    PROVINCE = "province", _("Provincial policy group")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on the enterprise")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class TicketEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    NOTE = "note", _("Note")
    WAITING = "waiting", _("Waiting on the enterprise")
    RESUMED = "resumed", _("Enterprise answered")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed with the enterprise's rating")


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Resolved late")


class PolicyKind(models.TextChoices):
    TAX = "tax", _("Tax relief")
    LOAN = "loan", _("Loans and interest subsidies")
    SUBSIDY = "subsidy", _("Subsidies")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance relief")
    RENT = "rent", _("Rent relief")
    OTHER = "other", _("Other")


class PolicyApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
