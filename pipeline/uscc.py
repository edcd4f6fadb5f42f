"""统一社会信用代码 (GB 32100-2015): normalisation and the check character. Pure, no Flask."""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


class CreditCodeError(ValueError):
    """A credit code that cannot be right; the message is Chinese and says why.

    ``code`` names the reason ("empty", "length", "charset", "division", "check") and ``params`` holds its
    values, so the web layer can say it in the UI language (pipeline/messages.py) while this module stays pure.
    """

    def __init__(self, message: str, code: str = "", **params):
        super().__init__(message)
        self.code = code
        self.params = params


def normalise(raw: str) -> str:
    """Full-width to half-width, strip spaces, upper-case: what officers paste from Word."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=False))
    return CHARSET[(31 - total % 31) % 31]


def validate(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError with a Chinese reason."""
    code = normalise(raw)
    if not code:
        raise CreditCodeError("统一社会信用代码不能为空", "empty")
    if len(code) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位，当前为{len(code)}位", "length", n=len(code))
    bad = [c for c in code if c not in _VALUE]
    if bad:
        raise CreditCodeError(
            f"统一社会信用代码含非法字符“{bad[0]}”（不使用I、O、S、V、Z）", "charset", char=bad[0]
        )
    if not code[2:8].isdigit():
        raise CreditCodeError("统一社会信用代码第3–8位应为登记管理机关行政区划码（数字）", "division")
    expected = check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            f"统一社会信用代码校验位错误：第18位应为“{expected}”，实为“{code[17]}”",
            "check",
            expected=expected,
            actual=code[17],
        )
    return code


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except CreditCodeError:
        return False
    return True


def make(prefix2: str, division: str, body9: str) -> str:
    """Build a valid code from its parts (used by the demo generator and tests)."""
    first17 = f"{prefix2}{division}{body9}"
    if len(first17) != 17:
        raise ValueError("need 2 + 6 + 9 characters")
    return first17 + check_char(first17)
