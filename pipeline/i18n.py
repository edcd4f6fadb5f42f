"""i18n helpers every layer may use: a vocabulary label in the UI language, and form errors on one line.

Labels are defined once in ``pipeline.vocabulary`` (Chinese msgids marked with ``N_``); ``tl`` shows
one in the current UI language (``{{ firm.stage_label|tl }}`` in templates). Outside a request (CLI,
jobs, PDFs rendered without a locale) gettext returns the Chinese label unchanged.
"""

from __future__ import annotations

from flask import g
from flask_babel import get_translations, gettext, lazy_gettext


def translations():
    """The current locale's catalogue, looked up once per request and locale (issue 15).

    Flask-Babel resolves the context, domain, locale and cache on every ``gettext`` (a page made
    500 such calls); this keeps the catalogue with the locale object it was found for, so a
    ``force_locale`` block (a new locale object) gets its own. Outside a request: Flask-Babel's
    answer (no translation)."""
    ns = g.get("_flask_babel") if g else None
    loc = getattr(ns, "babel_locale", None)
    cached_loc, cached = getattr(ns, "i15_catalogue", None) or (None, None)
    if loc is not None and cached_loc is loc:
        return cached
    found = get_translations()
    loc = getattr(ns, "babel_locale", None)
    if loc is not None:
        ns.i15_catalogue = (loc, found)
    return found


def install_jinja_gettext(app) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``translations()`` (after ``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def tl(label):
    """A Chinese data label in the current UI language (unknown labels and empty values pass through)."""
    if not label or not isinstance(label, str):
        return label
    return translations().ugettext(label)


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
