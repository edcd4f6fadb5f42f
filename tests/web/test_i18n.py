"""Chinese first, English complete: catalogs have every string, nothing fuzzy, and the locale switches."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "pipeline" / "translations"


def _catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _template_msgids() -> set[str]:
    from babel.messages.extract import extract_from_dir

    method_map = [("templates/**.html", "jinja2"), ("pipeline/**.py", "python")]
    return {msg for _, _, msg, *_ in extract_from_dir(str(ROOT), method_map=method_map,
                                                     keywords={"_": None, "gettext": None, "lazy_gettext": None})
            if isinstance(msg, str)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_complete_and_not_fuzzy(lang):
    cat = _catalog(lang)
    untranslated = [m.id for m in cat if m.id and not m.string]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not untranslated, f"{lang}: untranslated {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"


def test_every_string_in_the_code_is_in_the_zh_catalog():
    ids = {m.id for m in _catalog("zh") if m.id}
    missing = sorted(_template_msgids() - ids)
    assert not missing, f"run pybabel extract/update: {missing[:10]}"


@pytest.fixture(scope="module")
def compiled():
    from babel.messages.mofile import write_mo

    for lang in ("zh", "en"):
        with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "wb") as fh:
            write_mo(fh, _catalog(lang))


def test_login_page_in_chinese_by_default_and_english_when_asked(app, db, compiled):
    from tests.web.conftest import fresh

    c = app.test_client()
    zh = fresh(app, c, "get", "/login").get_data(as_text=True)
    assert "登录小升高培育平台" in zh
    en = fresh(app, c, "get", "/login?lang=en").get_data(as_text=True)
    assert "Log in to HNTE Cultivation" in en
    # A browser's English Accept-Language alone keeps the Chinese UI (the English catalog is partial).
    browser_en = fresh(app, c, "get", "/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登录小升高培育平台" in browser_en
    zh_cn = fresh(app, c, "get", "/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "登录小升高培育平台" in zh_cn
