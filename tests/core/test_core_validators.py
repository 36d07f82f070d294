"""GB 11643-1999 identity numbers, mobile phone numbers and masking."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from fangyi.core import clock
from fangyi.core.errors import ValidationFailed
from fangyi.core.validators import (
    ID_CHECK_CHARS,
    PROVINCE_CODES,
    body_temperature,
    id_check_char,
    in_body_temperature_range,
    mask_middle,
    mask_name,
    normalize_phone,
    parse_id_number,
)

TODAY = clock.today()
ALPHABET = "0123456789X"


def with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def error_code(raw: str, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_id_number(raw, **kwargs)
    assert caught.value.field == "id_number"
    assert caught.value.status == 400
    return caught.value.code


regions = st.builds(
    lambda province, prefecture, county: f"{province}{prefecture:02d}{county:02d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(1, 99),
    st.integers(0, 99),
)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
serials = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def valid_numbers(draw) -> str:
    return with_check(f"{draw(regions)}{draw(births):%Y%m%d}{draw(serials)}")


@given(regions, births, serials)
def test_every_valid_number_parses(region, birth, serial):
    value = with_check(f"{region}{birth:%Y%m%d}{serial}")
    parsed = parse_id_number(value)
    assert parsed.value == value
    assert parsed.region_code == region
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if int(serial[2]) % 2 else "F")
    assert parsed.masked == value[:3] + "*" * 11 + value[-4:]


@given(valid_numbers(), st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_rejected(value, position, replacement):
    assume(value[position] != replacement)
    changed = value[:position] + replacement + value[position + 1 :]
    code = error_code(changed)
    assert code == ("id_number.format" if replacement == "X" and position < 17 else "id_number.checksum")


@given(valid_numbers(), st.integers(0, 16))
def test_swapping_two_different_adjacent_digits_is_rejected(value, position):
    # The weights of neighbouring positions differ, so a transposition changes the sum mod 11.
    a, b = value[position], value[position + 1]
    assume(a != b and b != "X")
    swapped = value[:position] + b + a + value[position + 2 :]
    assert error_code(swapped) == "id_number.checksum"


impossible_dates = st.one_of(
    st.tuples(st.integers(1900, 2020), st.sampled_from([0, 13, 19, 99]), st.integers(1, 28)),
    st.tuples(st.integers(1900, 2020), st.integers(1, 12), st.sampled_from([0, 32, 40, 99])),
    st.tuples(st.integers(1900, 2020), st.sampled_from([4, 6, 9, 11]), st.just(31)),
    st.tuples(st.integers(1900, 2020), st.just(2), st.just(30)),
    st.tuples(
        st.integers(1900, 2020).filter(lambda y: y % 4 or (y % 100 == 0 and y % 400)), st.just(2), st.just(29)
    ),
    st.tuples(st.integers(1000, 1899), st.integers(1, 12), st.integers(1, 28)),
    st.tuples(st.integers(TODAY.year + 1, 9999), st.integers(1, 12), st.integers(1, 28)),
)


@given(regions, impossible_dates, serials)
@example("430102", (1900, 2, 29), "001")
@example("430102", (1899, 12, 31), "001")
def test_impossible_birth_dates_are_rejected(region, date, serial):
    year, month, day = date
    value = with_check(f"{region}{year:04d}{month:02d}{day:02d}{serial}")
    assert error_code(value) == "id_number.birth_date"


@st.composite
def numbers_ending_in_x(draw) -> str:
    head = f"{draw(regions)}{draw(births):%Y%m%d}{draw(st.integers(0, 9))}"
    tails = [f"{n:02d}" for n in range(100) if id_check_char(f"{head}{n:02d}") == "X"]
    return with_check(head + draw(st.sampled_from(tails)))


@given(numbers_ending_in_x())
def test_check_character_x_and_lowercase_x(value):
    assert value.endswith("X")
    assert parse_id_number(value).value == value
    lowered = parse_id_number(value[:-1] + "x")
    assert lowered.value == value
    assert parse_id_number(f"  {value.lower()}\t").value == value


def test_check_characters_cover_all_remainders():
    assert sorted(ID_CHECK_CHARS) == sorted("0123456789X")
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("43010219800101001") in ID_CHECK_CHARS


@pytest.mark.parametrize(
    ("raw", "region", "birth", "sex"),
    [
        # The example printed in GB 11643-1999 (北京市朝阳区, a woman born 1949-12-31).
        ("11010519491231002X", "110105", dt.date(1949, 12, 31), "F"),
        ("11010519491231002x", "110105", dt.date(1949, 12, 31), "F"),
        (with_check("43010219800101001"), "430102", dt.date(1980, 1, 1), "M"),
        (with_check("43312719641015002"), "433127", dt.date(1964, 10, 15), "F"),
        # 2000 is a leap year (divisible by 400); 祁阳县's old code stays valid for life.
        (with_check("43112120000229001"), "431121", dt.date(2000, 2, 29), "M"),
    ],
)
def test_known_numbers(raw, region, birth, sex):
    parsed = parse_id_number(raw)
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == (region, birth, sex)
    assert parsed.value == raw.upper()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_number.format"),
        (None, "id_number.format"),
        ("11010519491231002", "id_number.format"),  # 17 characters
        ("11010519491231002X1", "id_number.format"),  # 19 characters
        ("110105194912310", "id_number.format"),  # the old 15-digit numbers are not accepted
        ("1101051949123100X2", "id_number.format"),
        ("11010519491231002Y", "id_number.format"),
        ("1101051949-231002X", "id_number.format"),
        ("１１０１０５１９４９１２３１００２Ｘ", "id_number.format"),  # full-width digits
        ("110105194912310021", "id_number.checksum"),
        ("110105194912310020", "id_number.checksum"),
        # GB 11643's own second example is born in 1880: too old to be a living resident.
        ("440524188001010014", "id_number.birth_date"),
        (with_check("43010219800230001"), "id_number.birth_date"),
        (with_check("43010219801301001"), "id_number.birth_date"),
        (with_check("99010219800101001"), "id_number.region"),  # no province 99
        (with_check("00010219800101001"), "id_number.region"),
        (with_check("43000019800101001"), "id_number.region"),  # prefecture part 00
    ],
)
def test_each_error_code(raw, code):
    assert error_code(raw) == code


def test_known_region_callback_decides_the_address_code():
    value = with_check("43990119800101001")
    seen = []
    assert parse_id_number(value, known_region=lambda code: seen.append(code) or True).region_code == "439901"
    assert seen == ["439901"]
    assert error_code(value, known_region=lambda code: False) == "id_number.region"


def test_the_checksum_is_checked_before_the_date_and_region():
    assert error_code("990102198002300010") == "id_number.checksum"


def test_birth_date_is_judged_against_the_injectable_today():
    moment = dt.datetime(2020, 1, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Changsha
    born_today = with_check("43010220200123001")
    born_tomorrow = with_check("43010220200124001")
    with clock.frozen_at(moment):
        assert parse_id_number(born_today).birth_date == dt.date(2020, 1, 23)
        assert error_code(born_tomorrow) == "id_number.birth_date"
    # 2020-01-23 17:00 UTC is already the 24th in Asia/Shanghai.
    with clock.frozen_at(dt.datetime(2020, 1, 23, 17, 0, tzinfo=dt.UTC)):
        assert parse_id_number(born_tomorrow).birth_date == dt.date(2020, 1, 24)


def test_error_body_is_code_message_and_field():
    with pytest.raises(ValidationFailed) as caught:
        parse_id_number("123")
    body = caught.value.as_dict()
    assert body["code"] == "id_number.format"
    assert body["field"] == "id_number"
    assert body["message"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        (" 199 1234 5678 ", "19912345678"),
        ("138\t0013\t8000", "13800138000"),
    ],
)
def test_phone_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12800138000",  # no mobile prefix 12
        "23800138000",
        "+85213800138000",  # Hong Kong prefix
        "86 13800138000",
        "138-0013-800a",
        "０１３８００１３８０００",
        "(0731)84567890",  # a Changsha landline
    ],
)
def test_bad_phone_rejected(raw):
    with pytest.raises(ValidationFailed) as caught:
        normalize_phone(raw)
    assert (caught.value.code, caught.value.field) == ("phone.invalid", "phone")


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_every_mobile_number_survives_normalisation_with_prefixes(number):
    assert normalize_phone(number) == number
    assert normalize_phone(f"+86 {number[:3]} {number[3:7]} {number[7:]}") == number


@pytest.mark.parametrize(
    ("value", "start", "end", "masked"),
    [
        ("11010519491231002X", 3, 4, "110***********002X"),
        ("13800138000", 3, 4, "138****8000"),
        ("1234567", 3, 4, "1234567"),  # nothing left to hide
        ("12345678", 3, 4, "123*5678"),
        ("", 3, 4, ""),
    ],
)
def test_mask_middle(value, start, end, masked):
    assert mask_middle(value, keep_start=start, keep_end=end) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李"), ("", ""), ("王小明", "王**")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_masked_identity_number_hides_the_birth_date():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.masked == "110***********002X"
    assert "19491231" not in parsed.masked


@pytest.mark.parametrize(
    ("raw", "value", "plausible"),
    [
        ("36.5", Decimal("36.5"), True),
        (" 37.25 ", Decimal("37.3"), True),
        (36, Decimal("36.0"), True),
        ("43.04", Decimal("43.0"), True),
        ("33.9", Decimal("33.9"), False),
        ("NaN", None, False),
        ("Infinity", None, False),
        ("warm", None, None),
        (None, None, None),
    ],
)
def test_body_temperatures_are_read_and_judged(raw, value, plausible):
    reading = body_temperature(raw)
    if plausible is None:
        assert reading is None
        return
    assert reading is not None and in_body_temperature_range(reading) is plausible
    if value is not None:
        assert reading == value
