from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.TextChoices):
    MEDICAL = "medical", _("Medical or nursing")
    DRIVING = "driving", _("Driving")
    LOGISTICS = "logistics", _("Loading and logistics")
    IT = "it", _("Computers and data entry")
    TRANSLATION = "translation", _("Translation")
    COUNSELLING = "counselling", _("Psychological counselling")
    PUBLICITY = "publicity", _("Publicity")
    ELDERLY_CARE = "elderly_care", _("Care for the elderly")


class Language(models.TextChoices):
    MANDARIN = "mandarin", _("Mandarin")
    XIANG = "xiang", _("Hunanese (Xiang)")
    ENGLISH = "english", _("English")
    SIGN = "sign", _("Sign language")
    OTHER = "other", _("Other")


class Availability(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_daytime", _("Weekday daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")
    NIGHT = "night", _("Nights")


class Qualification(models.TextChoices):
    """What qualifies a volunteer to answer the psychological assistance hotline."""

    COUNSELLOR_2 = "counsellor_2", _("Psychological counsellor, level 2")
    COUNSELLOR_3 = "counsellor_3", _("Psychological counsellor, level 3")
    CLINICAL_PSYCHOLOGIST = "clinical_psychologist", _("Registered clinical psychologist")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    SOCIAL_WORKER = "social_worker", _("Licensed social worker")


class MissionKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint duty")
    ERRANDS = "errands", _("Community errands")
    DELIVERY = "delivery", _("Deliveries")
    HOTLINE = "hotline", _("Hotline shifts")
    OTHER = "other", _("Other")


class MissionStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    ASSIGNED = "assigned", _("Assigned")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HoursStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("On duty")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CallerGroup(models.TextChoices):
    """Who called, as a group only: a counselling log never holds a caller's identity."""

    OBSERVED = "observed", _("Person under observation")
    PATIENT_FAMILY = "patient_family", _("Patient or family")
    MEDICAL_STAFF = "medical_staff", _("Medical staff")
    FRONT_LINE = "front_line", _("Other front-line worker")
    PUBLIC = "public", _("Member of the public")
    UNKNOWN = "unknown", _("Did not say")


class CounsellingTopic(models.TextChoices):
    ANXIETY = "anxiety", _("Anxiety about infection")
    ISOLATION = "isolation", _("Stress of isolation")
    GRIEF = "grief", _("Grief")
    FAMILY = "family", _("Family conflict")
    WORK_INCOME = "work_income", _("Work and income")
    SLEEP = "sleep", _("Sleep problems")
    OTHER = "other", _("Other")


class CounsellingRisk(models.TextChoices):
    NONE = "none", _("No risk noted")
    LOW = "low", _("Low risk")
    HIGH = "high", _("High risk: passed to crisis care")
