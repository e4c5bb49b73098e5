"""Local users: who may sign in, with which role and which plants.

The users file is TOML (``$BFI_USERS_FILE``, else ``users.toml`` in the data folder beside the
embedded database). It is never committed: ``users.example.toml`` shows its form. Passwords are
stored only as argon2id hashes (``argon2-cffi``: a salted, memory-hard hash with its parameters
in the string); the clear password is never written or logged.

    [settings]
    idle_minutes = 30              # a session idle this long must sign in again

    [users.alice]
    name = "Alice Wang"
    role = "analyst"               # admin | manager | analyst | viewer
    plants = ["P1"]                # [] = every plant
    password_hash = "$argon2id$v=19$…"
    disabled = false

    [users.bob]                    # single sign-on: the identity provider's e-mail maps here
    role = "viewer"
    email = "bob@example.com"

``cli.py user add|passwd|disable|list`` writes it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from data_loaders import engine as eng

USERS_ENV = "BFI_USERS_FILE"
ROLES = ("admin", "manager", "analyst", "viewer")
DEFAULT_IDLE_MINUTES = 30
MIN_PASSWORD = 10
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters


def users_path() -> Path:
    """``$BFI_USERS_FILE``, else ``users.toml`` beside the embedded database."""
    return Path(os.environ.get(USERS_ENV) or eng.default_db_path().parent / "users.toml")


@dataclass(frozen=True)
class User:
    """A signed-in person or a service account. ``plants`` empty = every plant."""

    login: str
    role: str
    plants: tuple[str, ...] = ()
    name: str = ""
    email: str = ""
    disabled: bool = False
    password_hash: str = field(default="", repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.name or self.login


def _user(login: str, entry: dict) -> User:
    role = str(entry.get("role", "viewer"))
    if role not in ROLES:
        raise ValueError(f"users file: user {login!r} has role {role!r}; roles are {', '.join(ROLES)}")
    plants = entry.get("plants", [])
    if not isinstance(plants, list) or not all(isinstance(p, str) for p in plants):
        raise ValueError(f"users file: user {login!r}: plants must be a list of plant ids")
    return User(login, role, tuple(plants), str(entry.get("name", "")), str(entry.get("email", "")).lower(),
                bool(entry.get("disabled", False)), str(entry.get("password_hash", "")))


def read_file(path: Path | None = None) -> dict:
    """The users file as a dict (empty when it does not exist)."""
    path = path or users_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"users file {path.name} cannot be read: {exc}") from exc


def configured(path: Path | None = None) -> bool:
    """True when a users file with at least one user exists: sign-in is then required."""
    return bool(read_file(path).get("users"))


def load_users(path: Path | None = None) -> dict[str, User]:
    return {login: _user(login, entry) for login, entry in read_file(path).get("users", {}).items()}


def idle_minutes(path: Path | None = None) -> float:
    value = read_file(path).get("settings", {}).get("idle_minutes", DEFAULT_IDLE_MINUTES)
    return float(value) if isinstance(value, (int, float)) and value > 0 else float(DEFAULT_IDLE_MINUTES)


def find_user(login: str, path: Path | None = None) -> User | None:
    return load_users(path).get(login)


def find_by_email(email: str, path: Path | None = None) -> User | None:
    """The user a single-sign-on identity (its e-mail) maps to, if any."""
    email = (email or "").strip().lower()
    return next((u for u in load_users(path).values() if email and u.email == email), None)


def verify(login: str, password: str, path: Path | None = None) -> User | None:
    """The user when the password matches and the account is enabled, else None. Takes the
    same argon2 time whether or not the user exists, so timing does not reveal names."""
    user = find_user(login, path)
    stored = user.password_hash if user and user.password_hash else _DUMMY
    try:
        ok = _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled or stored is _DUMMY:
        return None
    return user


_DUMMY = _HASHER.hash("not a password of anyone")


def _write(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(tomli_w.dumps(data).encode("utf-8"))
    os.chmod(tmp, 0o600)  # hashes are not secrets, but nobody else needs to read them
    os.replace(tmp, path)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters / 密码至少 {MIN_PASSWORD} 个字符")


def add_user(login: str, role: str, password: str | None, plants: tuple[str, ...] = (), name: str = "", email: str = "",
             path: Path | None = None) -> User:
    """Add a user (a password, an e-mail for single sign-on, or both)."""
    path = path or users_path()
    if not _NAME.fullmatch(login):
        raise ValueError(f"a user name is 1–64 letters, digits or . _ @ -, got {login!r}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    data = read_file(path)
    users = data.setdefault("users", {})
    if login in users:
        raise ValueError(f"user {login!r} exists already (use `user passwd` or edit the file)")
    if password is None and not email:
        raise ValueError("give a password or an e-mail for single sign-on")
    entry: dict = {"name": name, "role": role, "plants": list(plants), "disabled": False}
    if email:
        entry["email"] = email.strip().lower()
    if password is not None:
        check_password(password)
        entry["password_hash"] = _HASHER.hash(password)
    users[login] = entry
    data.setdefault("settings", {"idle_minutes": DEFAULT_IDLE_MINUTES})
    _write(data, path)
    return _user(login, entry)


def set_password(login: str, password: str, path: Path | None = None) -> None:
    path = path or users_path()
    data = read_file(path)
    if login not in data.get("users", {}):
        raise ValueError(f"no user {login!r}")
    check_password(password)
    data["users"][login]["password_hash"] = _HASHER.hash(password)
    _write(data, path)


def set_disabled(login: str, disabled: bool = True, path: Path | None = None) -> None:
    path = path or users_path()
    data = read_file(path)
    if login not in data.get("users", {}):
        raise ValueError(f"no user {login!r}")
    data["users"][login]["disabled"] = disabled
    _write(data, path)
