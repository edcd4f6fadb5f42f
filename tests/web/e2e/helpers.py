"""Helpers for the browser tests: signing in and out through the login form, as a user does."""

from __future__ import annotations

from tests.factories import PASSWORD


def login(page, live, username: str, password: str = PASSWORD) -> None:
    page.goto(live["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action$='/login'] button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:
    page.click("form[action$='/logout'] button")
    page.wait_for_load_state()
