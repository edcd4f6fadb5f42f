"""i18n helpers every layer may use: a vocabulary label in the UI language, and form errors on one line.

Labels are defined once in ``pipeline.vocabulary`` (Chinese msgids marked with ``N_``); ``tl`` shows
one in the current UI language (``{{ firm.stage_label|tl }}`` in templates). Outside a request (CLI,
jobs, PDFs rendered without a locale) gettext returns the Chinese label unchanged.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext


def tl(label):
    """A Chinese data label in the current UI language (unknown labels and empty values pass through)."""
    if not label or not isinstance(label, str):
        return label
    return gettext(label)


def ltl(label: str):
    """The lazy form of ``tl`` for form choices built at import time."""
    return lazy_gettext(label)


def join_errors(errors: dict, form=None) -> str:
    """A form's errors on one line for a flash message, in the current UI language.

    Messages of one field are joined with "、" (", " in English), fields with "；" ("; "); with ``form``
    each field's messages follow its label ("label：messages").
    """
    parts = []
    for key, messages in errors.items():
        text = gettext(", ").join(map(str, messages))
        parts.append(
            gettext("%(label)s: %(errors)s", label=form[key].label.text, errors=text)
            if form is not None
            else text
        )
    return gettext("; ").join(parts)
