"""统一社会信用代码 validation (GB 32100-2015)."""

import pytest

from pipeline import uscc

# Published codes of real enterprises: the check character is known.
REAL = ["91110108551385082Q", "911100001000044477", "91350100M000100Y43"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code):
    assert uscc.validate(code) == code


@pytest.mark.parametrize("code", REAL)
def test_wrong_check_character_is_refused_and_names_the_right_one(code):
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(wrong)
    assert "校验位" in str(err.value)
    assert f"应为“{code[17]}”" in str(err.value)


@pytest.mark.parametrize("raw", ["91110108551385082", "91110108551385082QQ", ""])
def test_wrong_length_is_refused(raw):
    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(raw)
    assert ("18位" in str(err.value)) or ("不能为空" in str(err.value))


def test_lowercase_and_full_width_and_spaces_are_normalised():
    assert uscc.validate("91110108551385082q") == "91110108551385082Q"
    assert uscc.validate("９１１１０１０８５５１３８５０８２Ｑ") == "91110108551385082Q"
    assert uscc.validate(" 9111 0108 5513 8508 2Q ") == "91110108551385082Q"


@pytest.mark.parametrize(
    "bad, char", [("9111010855138508IQ", "I"), ("9111010855138508OQ", "O"), ("9111010855138508ZQ", "Z")]
)
def test_letters_outside_the_charset_are_named(bad, char):
    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(bad)
    assert char in str(err.value)


def test_division_code_must_be_digits():
    code = uscc.make("91", "32070A", "000000001")
    with pytest.raises(uscc.CreditCodeError) as err:
        uscc.validate(code)
    assert "行政区划" in str(err.value)


def test_make_builds_valid_codes():
    for n in range(200):
        assert uscc.is_valid(uscc.make("91", "320706", f"{n:09d}"))
