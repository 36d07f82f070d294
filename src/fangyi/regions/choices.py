from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village or community")


# Length of the region path at each level: the path is the official code without trailing zeros.
PATH_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
LEVEL_BY_PATH_LENGTH = {length: level for level, length in PATH_LENGTH.items()}
CHILD_LEVEL = {
    Level.PROVINCE: Level.PREFECTURE,
    Level.PREFECTURE: Level.COUNTY,
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
}


class Kind(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE_CITY = "prefecture_city", _("Prefecture-level city")
    AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("Autonomous prefecture")
    DISTRICT = "district", _("City district")
    COUNTY_CITY = "county_city", _("County-level city")
    COUNTY = "county", _("County")
    AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")
    STREET = "street", _("Subdistrict")
    TOWN = "town", _("Town")
    TOWNSHIP = "township", _("Township")
    ETHNIC_TOWNSHIP = "ethnic_township", _("Ethnic township")
    OTHER_TOWNSHIP = "other_township", _("Other township-level unit")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")


# The county kinds as the 2020 division list writes them.
COUNTY_KIND_BY_NAME = {
    "市辖区": Kind.DISTRICT,
    "县级市": Kind.COUNTY_CITY,
    "县": Kind.COUNTY,
    "自治县": Kind.AUTONOMOUS_COUNTY,
}


class PlaceKind(models.TextChoices):
    BORDER_CHECKPOINT = "border_checkpoint", _("Border checkpoint")
    PORT = "port", _("Port or customs")
    FACTORY_GATE = "factory_gate", _("Factory gate")
    COMPOUND_GATE = "compound_gate", _("Residential compound gate")
    SCHOOL_GATE = "school_gate", _("School gate")
    QUARANTINE_SITE = "quarantine_site", _("Quarantine site")
    FEVER_CLINIC = "fever_clinic", _("Fever clinic")
    LAB = "lab", _("Testing lab")
    HOSPITAL = "hospital", _("Hospital")
    WAREHOUSE = "warehouse", _("Warehouse")
