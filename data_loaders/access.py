"""Who may see what: roles, the pages each may open, and the plant limit applied to the scope.

Roles (docs/SECURITY.md):

    admin     every page, imports, restores, users, the audit log
    manager   every analysis page, for their plants
    analyst   every analysis page and exports, for their plants
    viewer    the cockpit (overview) and the monthly meeting (watching), for their plants

The meeting's comments, action items and snapshots are recorded by managers and admins
(``may_record``); analysts and viewers watch.

The plant limit narrows the one ``Scope`` before any query runs (``restrict``): a user limited
to P1 who picks "all plants" gets P1; one who asks for P2 gets nothing of P2. Loaders that look
a record up by its key (a voucher, a work order) take the scope too and answer "not found"
for another plant's record, so a deep link reveals nothing.
"""

from __future__ import annotations

from dataclasses import replace

from data_loaders.scope import Scope
from data_loaders.users import User

ANALYSIS_PAGES = ("overview", "meeting", "production", "oee", "ledger", "profitability", "budget", "cash", "vouchers", "reconciliation", "data")
ADMIN_PAGES = ("audit",)
ALL_PAGES = ANALYSIS_PAGES + ADMIN_PAGES
PAGES = {
    "admin": ANALYSIS_PAGES + ADMIN_PAGES,
    "manager": ANALYSIS_PAGES,
    "analyst": ANALYSIS_PAGES,
    "viewer": ("overview", "meeting"),
}
# the local single-user mode (no users file, bound to 127.0.0.1) runs as this account
LOCAL = User("local", "admin", (), "本机 / local", "")
NO_PLANT = "\x00none"  # a plant id no row has: a scope limited to it matches nothing

def may_open(user: User, page: str) -> bool:
    return page in PAGES.get(user.role, ())

def may_export(user: User) -> bool:
    return user.role in ("admin", "analyst")

def may_record(user: User) -> bool:
    """Freezing meeting snapshots, comments and action items: managers and admins."""
    return user.role in ("admin", "manager")

def may_write(user: User) -> bool:
    """Imports, restores, rebuilding the sample: admins only."""
    return user.role == "admin"

def allowed_plants(user: User, known: list[str] | tuple[str, ...]) -> list[str]:
    """The plants the user may see, among ``known``."""
    return list(known) if not user.plants else [p for p in known if p in user.plants]

def restrict(scope: Scope, user: User | None) -> Scope:
    """``scope`` narrowed to the user's plants (``None`` or an unlimited user: unchanged).

    Asked for every plant, the user gets theirs; asked for some, the ones they may see; asked
    only for plants they may not see, a scope that matches nothing."""
    if user is None or not user.plants:
        return scope
    if not scope.plants:
        return replace(scope, plants=tuple(sorted(user.plants)))
    mine = tuple(p for p in scope.plants if p in user.plants)
    return replace(scope, plants=mine or (NO_PLANT,))
