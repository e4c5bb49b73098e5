"""Sign-in, the signed-in user, idle expiry and what the user may do.

The router calls ``require()`` before it reads any data:

* With a users file (``data_loaders.users``), nobody sees data before signing in: a password
  (argon2id hash in the file) or, where ``.streamlit/secrets.toml`` has an ``[auth]`` section,
  the organisation's single sign-on through Streamlit's ``st.login`` (OIDC), whose e-mail must
  map to a user of the file (that gives the role and plants).
* Without one, the app runs in local single-user mode (an admin with every plant) only while
  the server listens on the loopback address (``server.address = "127.0.0.1"`` in
  ``.streamlit/config.toml``); serving on a network without a users file shows nothing.

Failed sign-ins are logged in the audit trail and slowed down: after three failures for a name
within 15 minutes each further attempt must wait 2, 4, 8 … up to 60 seconds. A session idle for
longer than ``idle_minutes`` (users file, default 30) must sign in again.
"""

from __future__ import annotations

import threading
import time

import streamlit as st

from data_loaders import access, audit, users
from data_loaders.users import User
from ui.i18n import t

KEY = "_auth"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WINDOW_S = 15 * 60
FREE_FAILURES = 3
MAX_WAIT_S = 60.0
_failures: dict[str, list[float]] = {}
_lock = threading.Lock()


def loopback_only() -> bool:
    """True when the server listens on the loopback address only."""
    return (st.get_option("server.address") or "").strip() in LOOPBACK


def wait_seconds(login: str, now: float | None = None) -> float:
    """How long ``login`` must wait before the next attempt (0 = may try now)."""
    now = time.time() if now is None else now
    with _lock:
        recent = [x for x in _failures.get(login, []) if now - x < WINDOW_S]
        _failures[login] = recent
    if len(recent) < FREE_FAILURES:
        return 0.0
    wait = min(MAX_WAIT_S, 2.0 ** (len(recent) - FREE_FAILURES + 1))
    return max(0.0, recent[-1] + wait - now)


def _failed(login: str) -> None:
    with _lock:
        _failures.setdefault(login, []).append(time.time())


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_user() -> User | None:
    """The signed-in user of this session (the local account in single-user mode), or None."""
    state = st.session_state.get(KEY)
    return state["user"] if state else None


def _start(user: User, how: str) -> None:
    st.session_state[KEY] = {"user": user, "last_seen": time.time(), "how": how}


def sign_out(reason: str = "signout") -> None:
    state = st.session_state.pop(KEY, None)
    if state and state["how"] != "local":
        audit.record(state["user"].login, reason)
    if state and state["how"] == "sso":
        st.logout()


def require() -> User | None:
    """The signed-in user, or None: the router then shows ``sign_in_page`` alone."""
    if not users.configured():
        if loopback_only():
            if current_user() is None:
                _start(access.LOCAL, "local")
            return access.LOCAL
        return None
    state = st.session_state.get(KEY)
    if state and state["how"] == "local":  # the users file appeared while this session ran
        st.session_state.pop(KEY, None)
        state = None
    if state:
        fresh = users.find_user(state["user"].login)
        if fresh is None or fresh.disabled:
            sign_out("signout_disabled")
            st.session_state["_auth_notice"] = "auth_disabled"
        elif time.time() - state["last_seen"] > users.idle_minutes() * 60:
            sign_out("session_expired")
            st.session_state["_auth_notice"] = "auth_expired"
        else:
            state["user"], state["last_seen"] = fresh, time.time()  # role or plants may have changed
            return fresh
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        mapped = users.find_by_email(str(st.user.get("email", "")))
        if mapped is not None and not mapped.disabled:
            _start(mapped, "sso")
            audit.record(mapped.login, "signin", detail={"how": "sso"})
            return mapped
        audit.record(str(st.user.get("email", "?")), "signin_failed", detail={"how": "sso", "reason": "no user for this e-mail"})
        st.session_state["_auth_notice"] = "auth_sso_unknown"
    return None


def sign_in_page() -> None:
    """The only page before sign-in: the form, or why nobody can sign in here."""
    if not users.configured():
        st.error(t("auth_network_needs_users"))
        return
    notice = st.session_state.pop("_auth_notice", None)
    if notice:
        st.warning(t(notice))
    _sign_in_form()


def _sign_in_form() -> None:
    st.title(t("app_title"))
    st.subheader(t("auth_title"))
    with st.form("sign_in", enter_to_submit=True):
        login = st.text_input(t("auth_user"), key="auth_user").strip()
        password = st.text_input(t("auth_password"), type="password", key="auth_password")
        submitted = st.form_submit_button(t("auth_submit"), type="primary")
    if _sso_configured():
        st.button(t("auth_sso"), on_click=st.login)
    if not submitted:
        return
    wait = wait_seconds(login)
    if wait > 0:
        audit.record(login or "?", "signin_refused", detail={"reason": "too many failures", "wait_s": round(wait)})
        st.error(t("auth_wait", seconds=f"{wait:.0f}"))
        return
    user = users.verify(login, password)
    if user is None:
        _failed(login)
        audit.record(login or "?", "signin_failed", detail={"how": "password"})
        st.error(t("auth_wrong"))
        return
    _start(user, "password")
    audit.record(user.login, "signin", detail={"how": "password"})
    st.rerun()


def render_user(user: User) -> None:
    """Who is signed in, their role and plants, and the sign-out button (sidebar)."""
    state = st.session_state.get(KEY) or {}
    if state.get("how") == "local":
        st.sidebar.caption(t("auth_local"))
        return
    plants = ", ".join(user.plants) if user.plants else t("all")
    st.sidebar.caption(t("auth_signed_in", user=user.label, role=t(f"role_{user.role}"), plants=plants))
    st.sidebar.button(t("auth_sign_out"), key="auth_sign_out", on_click=sign_out)
