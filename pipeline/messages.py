"""Messages of the pure modules (no Flask there) in the UI language: a translation table keyed by a reason code."""

from __future__ import annotations

from flask_babel import gettext


def credit_code_reason(exc) -> str:
    """A ``uscc.CreditCodeError`` in the UI language (its own Chinese text when the reason is unknown)."""
    params = getattr(exc, "params", {}) or {}
    code = getattr(exc, "code", "")
    if code == "empty":
        return gettext("The unified social credit code is required")
    if code == "length":
        return gettext("The unified social credit code must have 18 characters, not %(n)s", **params)
    if code == "charset":
        return gettext(
            "The unified social credit code contains the invalid character “%(char)s” "
            "(I, O, S, V and Z are not used)",
            **params,
        )
    if code == "division":
        return gettext(
            "Characters 3–8 of the unified social credit code must be the registration authority's "
            "area code (digits)"
        )
    if code == "check":
        return gettext(
            "Wrong check character in the unified social credit code: the 18th character should be "
            "“%(expected)s”, not “%(actual)s”",
            **params,
        )
    return str(exc)
