"""What a browser posts back for a form as the page pre-filled it (inputs, selects, textareas, checkboxes)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, action_contains: str | None):
        super().__init__(convert_charrefs=True)
        self.want = action_contains
        self.inside = False
        self.done = False
        self.data: dict[str, str] = {}
        self._select = None
        self._select_first = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done:
            action = a.get("action") or ""  # no action: posts to the page itself
            self.inside = (self.want is None or not action or self.want in action) and (
                a.get("method") or "get"
            ).lower() == "post"
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self._select:
            self.data.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(html: str, action_contains: str | None = None) -> dict[str, str]:
    parser = _Form(action_contains)
    parser.feed(html)
    return dict(parser.data)
