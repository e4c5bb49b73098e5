"""Sign-in, roles, the plant limit and the audit trail (#14): users file, argon2 hashes, scope
narrowing, the hash chain, the CLI, and the app through AppTest."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import access, audit, users
from data_loaders.scope import Scope

REPO = Path(__file__).parents[1]
APP = str(REPO / "app.py")
PASSWORD = "correct horse 42"


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    monkeypatch.setenv(users.USERS_ENV, str(path))
    monkeypatch.setenv(audit.STORE_ENV, str(tmp_path / "app_store.sqlite"))
    users.add_user("ada", "admin", PASSWORD, name="Ada")
    users.add_user("pat", "analyst", PASSWORD, plants=("P1",))
    users.add_user("mia", "manager", PASSWORD, plants=("P2",))
    users.add_user("vic", "viewer", PASSWORD)
    return path


# ------------------------------------------------------------------ users file
def test_passwords_are_stored_only_as_argon2id_hashes(users_file):
    text = users_file.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert text.count("$argon2id$") == 4
    assert users.verify("pat", PASSWORD).plants == ("P1",)
    assert users.verify("pat", PASSWORD + "x") is None
    assert users.verify("nobody", PASSWORD) is None


def test_a_disabled_user_cannot_sign_in_and_short_passwords_are_refused(users_file):
    users.set_disabled("pat")
    assert users.verify("pat", PASSWORD) is None
    users.set_disabled("pat", False)
    assert users.verify("pat", PASSWORD) is not None
    with pytest.raises(ValueError, match="at least"):
        users.set_password("pat", "short")
    with pytest.raises(ValueError, match="role"):
        users.add_user("zed", "superuser", PASSWORD)
    with pytest.raises(ValueError, match="exists"):
        users.add_user("pat", "viewer", PASSWORD)


# ------------------------------------------------------------------ roles and scope
def test_each_role_opens_only_its_pages():
    admin, manager, analyst, viewer = (users.User(r, r) for r in ("admin", "manager", "analyst", "viewer"))
    assert access.may_open(admin, "audit") and not access.may_open(manager, "audit")
    assert all(access.may_open(analyst, p) for p in access.ANALYSIS_PAGES)
    assert [p for p in access.ALL_PAGES if access.may_open(viewer, p)] == ["overview", "meeting"]
    assert [access.may_record(u) for u in (admin, manager, analyst, viewer)] == [True, True, False, False]
    assert [access.may_export(u) for u in (admin, manager, analyst, viewer)] == [True, False, True, False]
    assert [access.may_write(u) for u in (admin, manager, analyst, viewer)] == [True, False, False, False]
    assert set(access.PAGES) == set(users.ROLES)


def test_the_plant_limit_narrows_the_scope():
    p1 = users.User("pat", "analyst", ("P1",))
    everyone = Scope("2026-01", "2026-03")
    assert access.restrict(everyone, None) == everyone
    assert access.restrict(everyone, users.User("ada", "admin")) == everyone
    assert access.restrict(everyone, p1).plants == ("P1",)  # "all plants" = the user's plants
    assert access.restrict(Scope(plants=("P1", "P2")), p1).plants == ("P1",)
    assert access.restrict(Scope(plants=("P2",)), p1).plants == (access.NO_PLANT,)  # nothing, not everything


def test_failed_sign_ins_are_slowed_down():
    from ui import auth

    auth._failures.clear()
    for _ in range(auth.FREE_FAILURES - 1):
        auth._failed("eve")
    assert auth.wait_seconds("eve") == 0
    auth._failed("eve")
    last = auth._failures["eve"][-1]
    assert auth.wait_seconds("eve", now=last) == pytest.approx(2.0)  # 2 ** (3 - 3 + 1)
    auth._failed("eve")
    last = auth._failures["eve"][-1]
    assert auth.wait_seconds("eve", now=last) == pytest.approx(4.0)
    assert auth.wait_seconds("eve", now=last + auth.WINDOW_S + 1) == 0  # forgotten after the window
    auth._failures.clear()


# ------------------------------------------------------------------ audit trail
def test_the_audit_chain_detects_an_edited_or_deleted_entry(tmp_path):
    store = tmp_path / "store.sqlite"
    for i in range(4):
        audit.record("ada", "export", f"t{i}", {"rows": i}, path=store)
    head = audit.verify(store)
    assert (head["ok"], head["entries"], head["first_bad"]) == (True, 4, None) and len(head["head"]) == 64
    conn = sqlite3.connect(store)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'eve' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    # around the triggers, as another tool could: both are caught by the chain
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET detail = '{\"rows\": 99}' WHERE seq = 2")
    conn.commit()
    assert audit.verify(store)["first_bad"] == 2
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq >= 2 AND seq <= 3")
    conn.commit()
    check = audit.verify(store)
    assert (check["ok"], check["first_bad"], check["reason"]) == (False, 4, "entry 2 is missing")
    conn.close()


def test_concurrent_writers_keep_one_chain(tmp_path):
    store = tmp_path / "store.sqlite"
    threads = [threading.Thread(target=lambda i=i: [audit.record(f"u{i}", "signin", path=store) for _ in range(10)]) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {k: v for k, v in audit.verify(store).items() if k != "head"} == {"ok": True, "entries": 40, "first_bad": None, "reason": ""}


# ------------------------------------------------------------------ CLI
@pytest.fixture
def run_cli(users_file, app_data_dir, capsys, monkeypatch):
    """``run_cli(*args, stdin="")`` runs ``cli.main(args)`` in this process (its environment: the users
    file, the audit store and the sample's data folder) and returns its exit code, stdout and stderr.
    In process, not as ``python cli.py``: what is tested is the commands, not the interpreter's start
    (2-3 s of CPU a call); tests/test_data_version.py and test_profiles.py start cli.py as a process."""
    import io
    import types

    import cli

    def run(*args, stdin=""):
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return types.SimpleNamespace(returncode=code, stdout=out, stderr=err)
    return run


def test_cli_manages_users_and_logs_it(run_cli):
    added = run_cli("user", "add", "ola", "--role", "viewer", "--plant", "P2", "--password-stdin", stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    listed = json.loads(run_cli("user", "list").stdout)
    assert {"login": "ola", "role": "viewer", "plants": ["P2"]}.items() <= next(u for u in listed["users"] if u["login"] == "ola").items()
    assert "argon2" not in json.dumps(listed)
    assert run_cli("user", "disable", "ola").returncode == 0
    assert users.find_user("ola").disabled
    log = json.loads(run_cli("audit", "list", "--action", "user_add").stdout)
    assert [e["target"] for e in log] == ["ola"]
    assert json.loads(run_cli("audit", "verify").stdout)["ok"]


def test_cli_report_of_a_plant_limited_user_holds_only_their_plant(run_cli):
    refused = run_cli("report", "--from", "2026-01", "--to", "2026-03")
    assert refused.returncode == 2 and "--user" in refused.stderr
    mine = json.loads(run_cli("report", "--from", "2026-01", "--to", "2026-03", "--user", "pat").stdout)
    admin_p1 = json.loads(run_cli("report", "--from", "2026-01", "--to", "2026-03", "--plant", "P1", "--user", "ada").stdout)
    assert mine["scope"]["plants"] == ["P1"]
    assert mine["kpis"] == admin_p1["kpis"] and mine["monthly"] == admin_p1["monthly"]
    assert mine["kpis"]["revenue_amount"] > 0
    other = run_cli("report", "--from", "2026-01", "--to", "2026-03", "--plant", "P2", "--user", "pat")
    assert other.returncode == 2 and "not found or not permitted" in other.stderr


# ------------------------------------------------------------------ the app
def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_in(at: AppTest, login: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="auth_user").input(login)
    at.text_input(key="auth_password").input(password)
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception, at.exception
    return at


def test_no_data_before_sign_in_and_a_wrong_password_is_refused(users_file, app_data_dir):
    at = _app()
    assert not at.metric and not at.dataframe  # nothing of the data
    assert at.subheader[0].value == "登录"
    at = _sign_in(at, "ada", "wrong password!")
    assert any("不正确" in e.value for e in at.error)
    assert not at.metric
    assert audit.entries(action="signin_failed")["actor"].tolist() == ["ada"]


def test_a_plant_limited_analyst_sees_only_their_plant(users_file, app_data_dir):
    at = _sign_in(_app(), "pat")
    assert at.metric, "the overview after sign-in"
    assert at.multiselect(key="plant").options == ["P1 " + at.multiselect(key="plant").options[0].split(" ", 1)[1]]
    assert at.session_state["_scope"].plants == ("P1",)
    assert audit.entries(action="signin")["actor"].tolist() == ["pat"]
    at.switch_page("pages/data.py")
    at.run()
    assert any("仅对不受工厂限制的用户开放" in i.value for i in at.info)  # whole-database validation is not theirs
    catalog = next(d.value for d in at.dataframe if "导入文件名" in d.value.columns)
    assert len(catalog) > 10 and "行数" not in catalog.columns  # the tables, not the company's row counts
    untied = [d.value for d in at.dataframe if "工单号" in d.value.columns]
    assert all(set(frame["工厂编码"]) <= {"P1"} for frame in untied)


def test_a_viewer_cannot_open_analyst_pages(users_file, app_data_dir):
    at = _sign_in(_app(), "vic")
    assert at.title[0].value == "经营总览"
    with pytest.raises(ValueError, match="Known pages: .*overview.py', .*meeting.py', 'overview'\\]"):  # a viewer's pages, and the overview's hidden address
        at.switch_page("pages/ledger.py")



@pytest.mark.parametrize("login, exports", [("pat", True), ("mia", False), ("ada", True)])
def test_analysts_and_admins_export_managers_do_not(users_file, app_data_dir, login, exports):
    at = _sign_in(_app(), login)
    at.switch_page("pages/ledger.py")
    at.run()
    assert not at.exception, at.exception
    assert bool(at.get("download_button")) is exports


def test_only_admins_see_the_audit_page_and_imports(users_file, app_data_dir):
    at = _sign_in(_app(), "ada")
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "审计日志"
    assert any("哈希链完整" in s.value for s in at.success)
    at = _sign_in(_app(), "mia")
    at.switch_page("pages/data.py")
    at.run()
    assert any("只有管理员" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "data_import_button"]


def test_a_deep_link_to_another_plants_voucher_or_work_order_reveals_nothing(users_file, app_data_dir, small_sample):
    vouchers, orders = small_sample["vouchers"], small_sample["work_orders"]
    theirs = vouchers[vouchers.plant_id == "P2"].iloc[0].voucher_no
    mine = vouchers[vouchers.plant_id == "P1"].iloc[0].voucher_no
    their_order = orders[orders.plant_id == "P2"].iloc[0].work_order_id
    at = _sign_in(_app(), "pat")  # analyst limited to P1
    at.switch_page("pages/vouchers.py")
    at.query_params["voucher"] = theirs
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [f"找不到凭证 {theirs}，或您无权查看。"]
    assert not at.metric and not [d for d in at.dataframe if "科目编码" in d.value.columns]  # no header, no lines
    at.query_params["voucher"] = mine
    at.run()
    assert not at.error and at.metric  # their own plant's voucher opens
    del at.query_params["voucher"]
    at.query_params["work_order"] = their_order  # opens the work-order search with the order
    at.run()
    assert f"找不到工单 {their_order}，或您无权查看。" in [e.value for e in at.error]
    assert not any(their_order in d.value.to_string() for d in at.dataframe)


def test_cli_trace_of_another_plants_record_is_not_found(run_cli, small_sample):
    vouchers, orders = small_sample["vouchers"], small_sample["work_orders"]
    for key in (vouchers[vouchers.plant_id == "P2"].iloc[0].voucher_no, orders[orders.plant_id == "P2"].iloc[0].work_order_id):
        theirs = run_cli("trace", key, "--user", "pat")
        assert theirs.returncode == 2 and "no voucher or work order" in theirs.stderr and "P2" not in theirs.stdout
        assert json.loads(run_cli("trace", key, "--user", "ada").stdout)["kind"] in ("voucher", "work_order")


def _everything_shown(at: AppTest) -> str:
    """All a page draws as text: Markdown elements, metrics, every table cell, chart labels."""
    parts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "error", "warning", "info", "success", "toast"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv(index=False) for d in at.dataframe]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    parts += [str(o) for s in (*at.selectbox, *at.multiselect) for o in s.options]
    return "\n".join(parts)


@pytest.mark.long
def test_a_plant_limited_user_sees_no_other_plants_key_on_any_page(users_file, app_data_dir, small_sample):
    """P1's analyst walks every analysis page: no P2 plant, work center, work order or voucher
    key appears anywhere on them (text, metrics, tables, charts, filter options)."""
    wc = small_sample["work_centers"]
    theirs = {"P2", *wc[wc.plant_id == "P2"].work_center_id}
    orders, vouchers = small_sample["work_orders"], small_sample["vouchers"]
    their_orders = set(orders[orders.plant_id == "P2"].work_order_id)
    their_vouchers = set(vouchers[vouchers.plant_id == "P2"].voucher_no)
    at = _sign_in(_app(), "pat")
    for page in access.ANALYSIS_PAGES:
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        shown = _everything_shown(at)
        tokens = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]*", shown))
        assert not tokens & theirs, (page, sorted(tokens & theirs)[:5])
        assert not tokens & their_orders, (page, sorted(tokens & their_orders)[:5])
        assert not tokens & their_vouchers, (page, sorted(tokens & their_vouchers)[:5])
        assert tokens & {"P1"}, (page, "the page shows its plant's data")
