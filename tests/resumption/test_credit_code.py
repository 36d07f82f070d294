import pytest

from fangyi.core.errors import ValidationFailed
from fangyi.core.validators import credit_code_check, credit_code_check_char


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # a real code ending in a letter
        "9144030071526726XG",
        "91330100799655058B",
    ],
)
def test_real_credit_codes_pass(code):
    assert credit_code_check(code) == code


def test_input_is_stripped_and_upper_cased():
    assert credit_code_check("  9144030071526726xg ") == "9144030071526726XG"


def test_check_character_can_be_zero():
    # (31 - sum % 31) % 31 is 0 when the weighted sum is a multiple of 31.
    first17 = next(
        f"91430102MA{n:07d}" for n in range(100_000) if credit_code_check_char(f"91430102MA{n:07d}") == "0"
    )
    assert credit_code_check(first17 + "0") == first17 + "0"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "9144030071526726X",
        "9144030071526726XGG",
        "9144030071526726IG",
        "91440300715267 6XG",
        "９１４４０３００７１５２６７２６ＸＧ",
    ],
)
def test_wrong_shape_is_a_format_error(raw):
    with pytest.raises(ValidationFailed) as exc:
        credit_code_check(raw)
    assert exc.value.code == "credit_code.format"
    assert exc.value.field == "credit_code"
    assert exc.value.status == 400


@pytest.mark.parametrize("raw", ["9144030071526726XH", "91110000600037341M", "91330100799655058A"])
def test_wrong_check_character_is_a_checksum_error(raw):
    with pytest.raises(ValidationFailed) as exc:
        credit_code_check(raw)
    assert exc.value.code == "credit_code.checksum"


def test_letters_outside_the_alphabet_are_refused_anywhere():
    for letter in "IOSVZ":
        with pytest.raises(ValidationFailed) as exc:
            credit_code_check("9144030071526726" + letter + "G")
        assert exc.value.code == "credit_code.format"
