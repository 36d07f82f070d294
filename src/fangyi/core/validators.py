"""Validators for Chinese identity numbers (GB 11643-1999), unified social credit codes
(GB 32100-2015) and mobile phone numbers."""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.errors import ValidationFailed

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260 (the first two digits of every identity number).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# Text input may hold anything but NUL, which PostgreSQL cannot store (API schemas use this pattern).
NO_NUL_PATTERN = r"^[^\x00]*$"


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


@dataclasses.dataclass(frozen=True)
class IdentityNumber:
    """A validated 18-character identity number and what it encodes."""

    value: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit is odd for men

    @property
    def masked(self) -> str:
        return mask_middle(self.value, keep_start=3, keep_end=4)


def parse_id_number(raw: str, *, known_region: Callable[[str], bool] | None = None) -> IdentityNumber:
    """Validate an identity number; raise ValidationFailed with a precise code if it is wrong.

    `known_region`, when given, is asked whether the six-digit address code exists; without it
    only the province part is checked.
    """
    value = (raw or "").strip().upper()
    if not _ID_SHAPE.match(value):
        raise ValidationFailed(
            "id_number.format",
            _("An identity number has 17 digits followed by a digit or X."),
            field="id_number",
        )
    if id_check_char(value[:17]) != value[17]:
        raise ValidationFailed(
            "id_number.checksum",
            _("The check character of this identity number is wrong."),
            field="id_number",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or not EARLIEST_BIRTH <= birth <= clock.today():
        raise ValidationFailed(
            "id_number.birth_date",
            _("The birth date in this identity number is impossible."),
            field="id_number",
        )
    region = value[:6]
    region_known = region[:2] in PROVINCE_CODES and region[2:4] != "00"
    if region_known and known_region is not None:
        region_known = known_region(region)
    if not region_known:
        raise ValidationFailed(
            "id_number.region",
            _("The region code in this identity number is unknown."),
            field="id_number",
        )
    return IdentityNumber(
        value=value, region_code=region, birth_date=birth, sex="M" if int(value[16]) % 2 else "F"
    )


# GB 32100-2015: the 31 characters a unified social credit code is written in (no I, O, Z, S, V)
# and the weights of its first 17 positions; the 18th is the check character.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_check(raw: str) -> str:
    """A unified social credit code, upper-cased and stripped; ValidationFailed when it is wrong."""
    value = (raw or "").strip().upper()
    if len(value) != 18 or any(char not in CREDIT_CODE_CHARS for char in value):
        raise ValidationFailed(
            "credit_code.format",
            _("A unified social credit code has 18 digits and capital letters (no I, O, S, V or Z)."),
            field="credit_code",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationFailed(
            "credit_code.checksum",
            _("The check character of this unified social credit code is wrong."),
            field="credit_code",
        )
    return value


def normalize_phone(raw: str) -> str:
    """Return an 11-digit mainland mobile number, accepting +86/0086 prefixes, spaces and dashes."""
    value = re.sub(r"[\s-]", "", raw or "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if not _MOBILE.match(value):
        raise ValidationFailed(
            "phone.invalid",
            _("A mobile number has 11 digits and starts with 13–19."),
            field="phone",
        )
    return value


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    hidden = max(len(value) - keep_start - keep_end, 0)
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :] if hidden else value


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name stays readable at a gate."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


# A body temperature outside this range (°C) is a misreading, not a measurement.
BODY_TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


def body_temperature(raw: object) -> Decimal | None:
    """A reading in °C rounded to one decimal as thermometers show it (NaN and infinities pass
    through), or None when it is not a number. Whether it is plausible is `in_body_temperature_range`."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if value.is_finite() else value


def in_body_temperature_range(value: Decimal) -> bool:
    low, high = BODY_TEMPERATURE_RANGE
    return value.is_finite() and low <= value <= high
