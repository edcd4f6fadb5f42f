"""Rendered fragments cached under the data stamp (issue 15).

A list page's content (its rows, counts, filters and pager) depends only on the data, the user who
asks (their scope and "mine" filters), the query string, today's date and the UI language. It is
rendered once and reused while the data stamp (``services/stamp.py``) is unchanged: the first
request after any committed write renders it again. Two things in it belong to the request, not the
data, and are never cached: the session's CSRF token (put back in on every request) and everything
the layout (``base.html``: navigation counts, flashes, user menu) renders around the block.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from pipeline.services import stamp

CSRF_SLOT = "\x00csrf-token\x00"  # cannot occur in escaped HTML


def render_block(template: str, block: str, **context) -> Markup:
    """One block of a template, rendered with the same context ``render_template`` would give it."""
    app = current_app._get_current_object()
    t = app.jinja_env.get_template(template)
    app.update_template_context(context)
    return Markup("".join(t.blocks[block](t.new_context(context))))


def cached_html(name: str, key: tuple, render: Callable[[], str]) -> Markup:
    """``render()`` (HTML), reused while the data stamp is unchanged, per ``key`` and UI language.

    ``key`` must name everything else the HTML depends on (the user, the query string, the day).
    The CSRF token the HTML carries is this session's: it is cut out before the HTML is stored and
    the asking session's token is put in when it is served."""
    token = generate_csrf()

    def compute() -> str:
        html = str(render())
        return html.replace(token, CSRF_SLOT) if token else html

    html = stamp.cached(name, (*key, str(get_locale())), compute)
    return Markup(html.replace(CSRF_SLOT, token))


def cached_block(name: str, key: tuple, template: str, block: str, context: Callable[[], dict]) -> Markup:
    """The block ``block`` of ``template`` rendered with ``context()``, cached as ``cached_html``."""
    return cached_html(name, key, lambda: render_block(template, block, **context()))
