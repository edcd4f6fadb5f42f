"""Rendered fragments cached under the data stamp (issue 15).

A page's content (a list's rows, counts, filters and pager; a detail page's assessment, timeline,
tables and history) depends only on the data, the user who asks (their scope, their role's rights,
"mine" filters), the query string, today's date and the UI language. It is rendered once and reused
while the data stamp (``services/stamp.py``) is unchanged: the first request after any committed
write renders it again. What belongs to the request, not the data, is never cached:

* the session's CSRF token: cut out before the HTML is stored, the asking session's token put in
  when it is served (``CSRF_SLOT``);
* everything the layout (``base.html``: navigation counts, flashes, user menu) renders around it;
* on detail pages, every form pre-filled from the data (a milestone's status and version, the
  stage, the evidence checkboxes, a 年报 record, the inbox's confirm forms): the cached content has a
  *hole* there (``hole(name)``, an HTML comment: escaped data can never contain ``<`` and forge one)
  and ``fill`` renders it on every request from rows read on that request — memoized only by exactly
  those values (``form``), so the stale-form refusal of issue 11 always compares against the current
  version. A per-user part (a refused stale form shown again) is rendered without the memo.

The access check runs before a fragment is looked up and the key names the firm or the user, so
nobody reaches a fragment of a scope they cannot see.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from pipeline import clock
from pipeline.extensions import db
from pipeline.services import stamp

CSRF_SLOT = "\x00csrf-token\x00"  # cannot occur in escaped HTML
NEXT_SLOT = "\x00next-path\x00"  # the top bar's language switcher: the page to come back to
_HOLE = re.compile(r"<!--hole:([\w:.-]+)-->")
FORMS_SIZE = 8192


def render_block(template: str, block: str, **context) -> Markup:
    """One block of a template, rendered with the same context ``render_template`` would give it."""
    app = current_app._get_current_object()
    t = app.jinja_env.get_template(template)
    app.update_template_context(context)
    return Markup("".join(t.blocks[block](t.new_context(context))))


def render_fragment(template: str, **context) -> Markup:
    """A whole template (no layout) with the context ``render_template`` would give it."""
    app = current_app._get_current_object()
    app.update_template_context(context)
    return Markup(app.jinja_env.get_template(template).render(context))


def _without_token(render: Callable[[], str], token: str) -> str:
    html = str(render())
    return html.replace(token, CSRF_SLOT) if token else html


def cached_html(
    name: str, key: tuple, render: Callable[[], str], slots: dict[str, str] | None = None
) -> Markup:
    """``render()`` (HTML), reused while the data stamp is unchanged, per ``key`` and UI language.

    ``key`` must name everything else the HTML depends on (the user, the query string, the day).
    The CSRF token the HTML carries is this session's: it is cut out before the HTML is stored and
    the asking session's token is put in when it is served. ``slots``: other per-request values (text,
    escaped here) that the template rendered as a placeholder."""
    token = generate_csrf()
    html = stamp.cached(name, (*key, str(get_locale())), lambda: _without_token(render, token))
    html = html.replace(CSRF_SLOT, token)
    for slot, value in (slots or {}).items():
        html = html.replace(slot, str(escape(value)))
    return Markup(html)


def cached_block(name: str, key: tuple, template: str, block: str, context: Callable[[], dict]) -> Markup:
    """The block ``block`` of ``template`` rendered with ``context()``, cached as ``cached_html``."""
    return cached_html(name, key, lambda: render_block(template, block, **context()))


def topbar() -> Markup:
    """The logged-in top bar of ``base.html`` (navigation with the inbox count, the language switcher,
    the bell, the user menu), rendered once per user, page (its endpoint marks the active link), day,
    language and data stamp. The switcher's return path is the request's own."""
    key = (current_user.id, clock.today(), request.endpoint)
    here = request.full_path if request.query_string else request.path
    return cached_html(
        "topbar", key, lambda: render_template("_topbar.html", next_path=NEXT_SLOT), {NEXT_SLOT: here}
    )


# ----------------------------------------------------------------------------- live parts (holes)


def hole(name: str) -> Markup:
    """Template global: where the live part ``name`` goes."""
    return Markup(f"<!--hole:{escape(name)}-->")


def hole_names(html: str) -> list[str]:
    return _HOLE.findall(html)


def fill(html: str, live: Callable[[str], str]) -> Markup:
    """The cached content with each hole replaced by ``live(name)``, rendered for this request."""
    return Markup(_HOLE.sub(lambda m: str(live(m.group(1))), html))


FILLED_SIZE = 256  # whole filled pages (~50 KiB each, with the page they were filled from): ~25 MiB
_filled: OrderedDict = OrderedDict()


def fill_memo(values: tuple, html: str, live: Callable[[str], str]) -> Markup:
    """``fill(html, live)``, memoized by ``values`` — every value the live parts are rendered from, read
    on this request —, by the session's CSRF token (in every form) and by the page itself (compared in
    full on a hit, never only by its hash): the same page with the same rows fills the same way, so a
    repeat view skips a dozen form lookups."""
    k = (*_request_key(), _csrf(), values, hash(html))  # the forms carry this session's token
    with _forms_lock:
        hit = _filled.get(k)
        if hit is not None:
            _filled.move_to_end(k)
    if hit is not None and hit[0] == html:
        return Markup(hit[1])
    out = fill(html, live)
    with _forms_lock:
        _filled[k] = (html, str(out))
        while len(_filled) > FILLED_SIZE:
            _filled.popitem(last=False)
    return out


def macros(template: str):
    """A template's macros as callables, for the live parts."""
    # the environment's globals (url_for, csrf_token, gettext, vocab) are all a form needs; no context
    # processors (they would read the navigation counts again)
    return current_app.jinja_env.get_template(template).make_module()


_forms: OrderedDict = OrderedDict()
_forms_lock = threading.Lock()


def form(name: str, values: tuple, render: Callable[[], str]) -> str:
    """A live form's HTML, memoized by exactly the values it is rendered from.

    ``values`` are read on this request (a milestone's id, status and version; a 年报 record's fields
    and version; the evidence pieces present): the same values render the same markup, so the result
    is the form rendered from the current rows whatever the data stamp says; a new version is a new
    entry. Stored without the CSRF token; served with the asking session's."""
    token = _csrf()
    k = (name, *_request_key(), values)
    with _forms_lock:
        html = _forms.get(k)
        if html is not None:
            _forms.move_to_end(k)
    if html is None:
        html = _without_token(render, token)
        with _forms_lock:
            _forms[k] = html
            while len(_forms) > FORMS_SIZE:
                _forms.popitem(last=False)
    return html.replace(CSRF_SLOT, token) if token else html


def _csrf() -> str:
    """This session's CSRF token, looked up once per request (a firm page fills a dozen forms)."""
    token = g.get("_i15_csrf")
    if token is None:
        token = g._i15_csrf = generate_csrf()
    return token


def _request_key() -> tuple[str, str]:
    """The database and the locale, once per request (a form's memo key starts with them)."""
    key = g.get("_i15_fragment_key")
    if key is None:
        key = g._i15_fragment_key = (db.engine.url.render_as_string(hide_password=True), str(get_locale()))
    return key
