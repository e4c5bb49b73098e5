"""Sign-in in a real browser: no data before it, a wrong password refused, a deep link kept
through sign-in for a role that may open it and refused for one that may not."""

from __future__ import annotations

import shutil

import pytest

from data_loaders import audit, users
from tests.test_browser import _start_server, _stop_server, browser  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser
PASSWORD = "correct horse 42"


@pytest.fixture()
def signin_server(app_data_dir, tmp_path, monkeypatch):
    data_dir = tmp_path / "app_data"
    shutil.copytree(app_data_dir, data_dir)
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "users.toml"))  # inherited by the server process
    monkeypatch.setenv(audit.STORE_ENV, str(tmp_path / "app_store.sqlite"))
    users.add_user("vic", "viewer", PASSWORD)
    users.add_user("pat", "analyst", PASSWORD, plants=("P1",))
    proc, base = _start_server(data_dir)
    yield base
    _stop_server(proc)


def _sign_in(page, login: str, password: str = PASSWORD) -> None:
    page.get_by_label("用户名").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_sign_in_guards_every_page_and_keeps_the_deep_link(signin_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(signin_server + "/ledger")
    page.get_by_label("用户名").wait_for()
    assert page.locator("[data-testid=stMetric]").count() == 0 and page.locator("[data-testid=stDataFrame]").count() == 0
    _sign_in(page, "pat", "wrong password!")
    page.get_by_text("用户名或密码不正确").wait_for()
    assert page.locator("[data-testid=stDataFrame]").count() == 0
    _sign_in(page, "pat")
    page.get_by_role("heading", name="总账与损益").wait_for()  # the deep link, after signing in
    page.get_by_text("工厂 P1 ").first.wait_for()  # the scope line names the user's plant
    assert "P2" not in page.locator("[data-testid=stSidebar]").inner_text()

    viewer = browser.new_page(viewport={"width": 1400, "height": 1000})
    viewer.set_default_timeout(60_000)
    viewer.goto(signin_server + "/ledger")
    _sign_in(viewer, "vic")
    viewer.get_by_text("您的角色无权打开此页面").wait_for()
    assert viewer.get_by_role("heading", name="总账与损益").count() == 0
    assert viewer.locator("[data-testid=stDataFrame]").count() == 0
    page.close()
    viewer.close()
    assert {"pat", "vic"} <= set(audit.entries(action="signin").actor)
    assert audit.entries(action="signin_failed").actor.tolist() == ["pat"]
