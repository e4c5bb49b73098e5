"""Cached data access for pages: the one place where the UI meets loaders and analytics.

Engines are kept one per database (and, for the embedded DuckDB file, per file identity, so
that a file swapped in by an import is opened afresh); frames are cached with
``st.cache_data`` keyed on a ``Source`` (the database URL *and its data version*) and the
``Scope``. Pages keep passing the plain URL: every cached function turns it into the
``Source`` of this run (``check_version``, called once per run by the router), so a new import
by any process is seen on the next rerun, in every session, and an unreachable database serves
the figures cached under its last known version, labelled stale. Pages call these functions and never run SQL; the few
settings types, constants and the one what-if formula pages need (``VoucherFilter``,
``OeeSettings``, ``CashScenario``, ``SHIFTS``, ``VARIANCES``, ``TARGET_VARIANCE_RATE``,
``LANDING_METHODS``, ``compute_what_if``, ``OVERHEAD_VIEWS``, ``compute_overhead_view``, ``PRICE_VARIANCE_BASES``,
``VARIANCE_VIEWS``,
``WorkingCapitalSettings`` and the ``WC_*`` choices) are re-exported here so that pages import ``ui`` only.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import importlib
import logging
import threading
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.budget import METHODS as LANDING_METHODS  # noqa: F401 - re-exported for pages
from analytics.budget import compute_what_if  # noqa: F401 - re-exported for pages
from analytics.cash import CashScenario  # noqa: F401 - re-exported for pages
from analytics.working_capital import BALANCES as WC_BALANCES  # noqa: F401 - re-exported for pages
from analytics.working_capital import BASES as WC_BASES  # noqa: F401 - re-exported for pages
from analytics.working_capital import DAY_COUNTS as WC_DAY_COUNTS  # noqa: F401 - re-exported for pages
from analytics.working_capital import SALES_BASES as WC_SALES_BASES  # noqa: F401 - re-exported for pages
from analytics.working_capital import WorkingCapitalSettings
from analytics.ledger import (
    compute_kpis,
    compute_monthly_pnl,
    compute_production_monthly,
)
from analytics.kpi import compute_budget_kpis, compute_kpi_comparison, compute_ledger_vs_operations
from analytics.lineage import compute_subtree, compute_tree_labels
from analytics.oee import CONVENTIONS, SHIFTS, OeeSettings  # noqa: F401 - re-exported for pages
from analytics.profitability import TARGET_VARIANCE_RATE, VARIANCES  # noqa: F401 - re-exported for pages
from analytics.overhead import OVERHEAD_VIEWS, compute_overhead_view  # noqa: F401 - re-exported for pages
from analytics.price_variance import PRICE_VARIANCE_BASES  # noqa: F401 - re-exported for pages
from data_loaders import access, audit, backup
from data_loaders import budget as budget_loaders
from data_loaders import cash as cash_loaders
from data_loaders import engine as eng
from data_loaders import facts, facts_cockpit, lineage, schema
from data_loaders.build import file_identity
from data_loaders import queries as q
from data_loaders import mapping_rules, profiles
from data_loaders.importer import MAX_PROBLEMS, ImportReport, Problem, fold, import_sources, read_sources  # noqa: F401 - MAX_PROBLEMS re-exported for pages
from data_loaders.lineage import VoucherFilter  # noqa: F401 - re-exported for pages
from data_loaders.lock import DatabaseBusy
from data_loaders.scope import MODES as PERIOD_MODES, PeriodChoice, Scope, month_add
from data_loaders.users import User
from data_loaders.validation import find_schema_gaps, validate_database
from reports import budget as reports_budget
from reports import cash as reports_cash
from reports import cockpit as reports_cockpit
from reports import ledger as reports_ledger
from reports import lineage as reports_lineage
from reports import oee as reports_oee
from reports import profitability as reports_profitability
from reports.profitability import VARIANCE_VIEWS  # noqa: F401 - re-exported for pages
from sample_data.build import build_sample
from ui.i18n import t
from ui.text import md

log = logging.getLogger(__name__)
TTL = 600
SERVER_VERSION_TTL = 5  # seconds between two checks of a server database's data version


@dataclass(frozen=True)
class Source:
    """A database URL and the version of its data: the first key of every cached frame."""

    url: str
    version: str


def _url(url) -> str:
    return url.url if isinstance(url, Source) else url


def source(url) -> Source:
    """``url`` with the data version this run follows (``check_version``); a ``Source`` is
    returned as it is."""
    if isinstance(url, Source):
        return url
    state = st.session_state.get("_data_state")
    if state is None or state.get("url") != url:
        state = check_version(url)
    return Source(url, state["key"])


def _versioned(cached):
    """Call the cached function with the run's ``Source`` instead of the page's plain URL."""

    @functools.wraps(cached)
    def wrapper(url, *args, **kwargs):
        return cached(source(url), *args, **kwargs)

    wrapper.clear = getattr(cached, "clear", None)
    return wrapper


def _busy(fn):
    """Say "calculating…" with the elapsed time while a figure is computed (Streamlit shows it
    only after half a second, so cached figures never flash it)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if get_script_run_ctx(suppress_warning=True) is None:  # a background thread (preload_forecasting): nobody to tell
            return fn(*args, **kwargs)
        with st.spinner(t("calculating"), show_time=True):
            return fn(*args, **kwargs)

    wrapper.clear = getattr(fn, "clear", None)
    return wrapper


@functools.cache
def _value_types() -> dict:
    """Streamlit hashes a dataclass argument through ``dataclasses.asdict`` (a deep copy, then
    each field: 0.13 ms a cache hit of ``kpis``, 0.07 by ``repr``); the frozen value types of the
    cached functions' arguments hash by their ``repr`` instead: every field with its type's
    exact text (strings, tuples, numbers, booleans), so two arguments share a key exactly when
    they are equal."""
    from analytics.warnings import WarningSettings  # imported further down for the warnings panel

    return {cls: repr for cls in (Source, Scope, PeriodChoice, OeeSettings, WarningSettings, WorkingCapitalSettings, CashScenario,
                                  lineage.VoucherFilter)}


def frame(fn):
    """A cached read keyed on the data's version: ``fn(url, …)`` is called with the run's
    ``Source`` in place of the URL, so an import is seen on the next run."""
    return _versioned(st.cache_data(ttl=TTL, show_spinner=False, hash_funcs=_value_types())(fn))


def figure(fn):
    """``frame`` for work that may take a while: "calculating…" shows after half a second."""
    return _busy(frame(fn))


def database_url() -> str:
    """``$BFI_DATABASE_URL``, else ``[database] url`` in secrets.toml, else the embedded sample."""
    secrets_url = None
    try:
        secrets_url = st.secrets.get("database", {}).get("url")
    except Exception:  # no secrets file is the normal case
        secrets_url = None
    return eng.configured_url(secrets_url)


def is_embedded(url: str) -> bool:
    """True for the app's own DuckDB file, the only database the app ever writes."""
    return eng.normalize_url(url) == eng.default_url()


def display_url(url: str) -> str:
    """The URL without its password, for screens."""
    import sqlalchemy as sa

    return sa.engine.make_url(eng.normalize_url(url)).render_as_string(hide_password=True)


def embedded_state(url: str) -> dict:
    """What the embedded file is: ``{"state": "missing" | "unreadable" | "ok", "reason": str,
    "info": dataset_info or None}`` (``info`` None when the file has no ``dataset_info``)."""
    path = eng.duckdb_path(url)
    if path is None or not path.exists():
        return {"state": "missing", "reason": "", "info": None}
    found = backup.read_state(get_engine(url))
    if not found["readable"]:
        get_engine(url).dispose()  # a later run (after a restore or the other writer quits) connects afresh
        return {"state": "unreadable", "reason": found["reason"], "info": None}
    return {"state": "ok", "reason": "", "info": found["info"]}


def _build_sample(url: str, t) -> bool:
    """Build the sample into the embedded file with a progress bar; False when another writer
    holds the file (said on screen)."""
    reset_caches(url)  # close the old file before a new one replaces it
    bar = st.progress(0.0, text=t("building_sample"))
    try:
        build_sample(url, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=f"{t('building_sample')} {m}"))
    except DatabaseBusy as exc:
        bar.empty()
        st.info(t("database_busy", message=md(str(exc))))
        return False
    bar.empty()
    reset_caches(url)
    st.toast(t("built_sample"))
    return True


def ensure_database(url: str, t) -> None:
    """Make sure the embedded database can be shown, without ever destroying what a user brought.

    * a missing file is built as the sample (first start);
    * a readable file whose ``dataset_info.source`` is ``sample`` and whose contract is older is
      rebuilt as the sample (the old file is kept in ``backups/``);
    * a file that cannot be opened (corrupt, truncated, empty, or held by another DuckDB
      writer) is reported with its path, the reason and the backups to restore, then the run
      stops: it is never replaced;
    * anything else (imported data, a file without ``dataset_info``) is shown as it is;
    * a file this server process read before that is now missing or unreadable is not
      touched: the pages show the figures cached under its last version, labelled stale.
    """
    path = eng.duckdb_path(url)
    if not is_embedded(url) or path is None:
        return
    if knows(url) and not file_identity(path):
        return  # it was there a moment ago: moved away or lost, never rebuilt (shown stale)
    state = embedded_state(url)
    if state["state"] == "unreadable" and knows(url):
        return  # shown stale under the last version read (check_version), with the reason
    if state["state"] == "missing":
        if not _build_sample(url, t):
            st.stop()
        return
    if state["state"] == "unreadable":
        st.error(t("database_unreadable", path=md(str(path)), reason=md(state["reason"])))
        render_backups(url, t, key="startup")
        st.stop()
    info = state["info"] or {}
    if info.get("source") == "sample" and info.get("contract_version") != schema.contract_fingerprint():
        _build_sample(url, t)  # busy: keep showing the old sample, said on screen


_ENGINES: dict[str, tuple[tuple, object]] = {}  # url -> (file identity, engine)
_FOLLOWED: dict[str, dict] = {}  # url -> the last version reached: key, stamp time, check time
_LOCK = threading.Lock()


def _identity(url: str) -> tuple:
    path = eng.duckdb_path(url)
    return file_identity(path) if path is not None else ()


def get_engine(url):
    """The read-only engine of ``url`` (a URL or a ``Source``), shared by every session.

    For a DuckDB file the engine belongs to the file's identity (inode, size, mtime): a write
    swaps a new file in with ``os.replace`` while pooled connections still hold the old inode,
    so a new identity gets a new engine and the old one is disposed."""
    url = _url(url)
    ident = _identity(url)
    with _LOCK:
        held = _ENGINES.get(url)
        if held is not None and held[0] == ident:
            return held[1]
        engine = eng.make_engine(url, read_only=True)
        eng.limit_duckdb_memory(engine)  # a server keeps its engine for life: a small block cache (docs/PERFORMANCE.md)
        _ENGINES[url] = (ident, engine)
    if held is not None:
        held[1].dispose()
    return engine


def reset_caches(url: str) -> None:
    """After a write: close pooled read-only connections so the new file is seen, drop caches."""
    with _LOCK:
        held = _ENGINES.pop(_url(url), None)
    if held is not None:
        held[1].dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


# --------------------------------------------------------------------------- data version
@st.cache_data(max_entries=16, show_spinner=False)
def _file_stamp(url: str, identity: tuple) -> dict:
    """The stamp of one DuckDB file identity (a new import makes a new identity)."""
    return q.load_data_stamp(get_engine(url))


@st.cache_data(ttl=SERVER_VERSION_TTL, show_spinner=False)
def _server_stamp(url: str) -> dict:
    """The stamp of a server database, asked at most every few seconds."""
    return q.load_data_stamp(get_engine(url))


def _read_version(url: str) -> tuple[str, dict]:
    """(version key, stamp) of the database now; raises when it cannot be reached."""
    path = eng.duckdb_path(url)
    if path is None:
        stamp = _server_stamp(url)
        return stamp.get("data_version") or "unstamped", stamp
    ident = file_identity(path)
    if not ident:
        raise FileNotFoundError(f"{path}: the file is not there (moved or deleted)")
    stamp = _file_stamp(url, ident)
    return "{}-{}-{}:{}".format(*ident, stamp.get("data_version") or ""), stamp


def check_version(url: str) -> dict:
    """Find the data version this run follows; called by the router once per run.

    Returns (and keeps in ``st.session_state["_data_state"]``) ``{"url", "key", "updated_at",
    "checked_at", "stale", "reason"}``. When the database cannot be reached but this server
    process reached it before, ``key`` is the last version seen (so cached frames are served)
    and ``stale`` is True; when it never reached it, the error is raised."""
    try:
        key, stamp = _read_version(url)
    except Exception as exc:
        with _LOCK:
            last = _FOLLOWED.get(url)
        if last is None:
            raise
        said = str(getattr(exc, "orig", None) or exc)  # the driver's words, without SQLAlchemy's class prefix
        state = {**last, "stale": True, "reason": (said.splitlines() or [type(exc).__name__])[0][:300]}
    else:
        now = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
        updated = (stamp.get("data_version_at") or "").replace("T", " ") or now
        with _LOCK:
            last = _FOLLOWED.get(url)
            if last is not None and last["key"] == key:
                updated = last["updated_at"]
            state = {"url": url, "key": key, "updated_at": updated, "checked_at": now, "stale": False, "reason": ""}
            _FOLLOWED[url] = state
    st.session_state["_data_state"] = state
    return state


def data_state() -> dict | None:
    """The data version of this run (``check_version``), None before the router ran."""
    return st.session_state.get("_data_state")


def data_changed() -> str | None:
    """The time of the new data when the version changed since this session last saw it (once;
    the first run of a session is not a change), else None."""
    state = data_state()
    if state is None or state["stale"]:
        return None
    seen = st.session_state.get("_data_seen")
    st.session_state["_data_seen"] = state["key"]
    return state["updated_at"] if seen is not None and seen != state["key"] else None


def is_stale() -> bool:
    state = data_state()
    return bool(state and state["stale"])


def knows(url: str) -> bool:
    """True when this server process has reached ``url`` before (so it may serve stale figures)."""
    with _LOCK:
        return url in _FOLLOWED


# --------------------------------------------------------------------------- partial databases
@frame
def schema_gaps(url: str) -> dict:
    """``{"missing_tables": [...], "missing_columns": {table: [...]}}`` (one inspector pass per
    data version)."""
    return find_schema_gaps(get_engine(url))


def missing(url: str, tables) -> list[str]:
    """Of ``tables``, those the database lacks, as ``table`` or ``table.column``."""
    gaps = schema_gaps(url)
    out = [name for name in tables if name in gaps["missing_tables"]]
    for name in tables:
        out += [f"{name}.{c}" for c in gaps["missing_columns"].get(name, [])]
    return out


@frame
def dataset_info(url: str) -> dict:
    if "dataset_info" in schema_gaps(url)["missing_tables"]:
        return {}
    return q.load_dataset_info(get_engine(url))


@frame
def filter_options(url: str) -> dict:
    """Periods, plants and families for the filters, and the as-of date (the default month is
    the one before it)."""
    options = q.load_filter_options_present(get_engine(url), schema_gaps(url)["missing_tables"])
    options["as_of_date"] = dataset_info(url).get("as_of_date")
    return options


@frame
def table_stats(url: str) -> pd.DataFrame:
    """One row per contract table: ``n_rows`` (empty for a missing table), ``is_missing``,
    ``missing_columns`` and the date range."""
    gaps = schema_gaps(url)
    frame = q.load_table_stats_present(get_engine(url), gaps["missing_tables"], gaps["missing_columns"])
    return frame.assign(missing_columns=frame.table_name.map(lambda n: ", ".join(gaps["missing_columns"].get(n, []))))


@_versioned
@st.cache_data(ttl=60, show_spinner=False)
def facts_ready(url: str) -> bool:
    """Whether the fact tables are fresh for the run's data version (``facts.ready``). Asked once
    a minute, not on every query: on a server the facts are derived in a transaction after the
    import's, so a version may become ready a moment after it appears."""
    return q.use_ledger_facts(get_engine(url))


def monthly_pnl(url: str, scope: Scope) -> pd.DataFrame:
    """The scope's P&L per month (``compute_monthly_pnl``). From the ledger facts, a bounded
    scope's months are the rows of one cached P&L of every month of its plant and family filter
    (``_pnl_months``): each month's row depends on that month's ledger rows alone, so the slice
    is the scope's own P&L to the bit (tests/test_overview_reads.py), and the overview's spans,
    comparisons and trend compute the P&L once instead of once each."""
    if facts_ready(url) and scope.period_from and scope.period_to:
        months = _pnl_months(url, tuple(scope.plants), tuple(scope.families))
        rows = months[(months.period >= scope.period_from) & (months.period <= scope.period_to)].reset_index(drop=True)
        return rows if len(rows) else compute_monthly_pnl(reports_ledger.NO_LEDGER)  # no ledger lines: the empty P&L the span's own gives
    return compute_monthly_pnl(ledger_by_category(url, scope))


@frame
def _pnl_months(url: str, plants: tuple[str, ...], families: tuple[str, ...]) -> pd.DataFrame:
    """``compute_monthly_pnl`` of every month (the ledger facts' ``_ledger_months``); every plant's
    and family's as the fact refresh stored it (``facts_cockpit.load_pnl_months``)."""
    if not plants and not families and _whole_company_stored(url):
        return facts_cockpit.load_pnl_months(get_engine(url), _as_of(url))
    return compute_monthly_pnl(_ledger_months(url, plants, families))


def ledger_by_category(url: str, scope: Scope) -> pd.DataFrame:
    """``load_ledger_by_category`` of the scope: from the ledger facts, sliced from the cached read
    of every month (``_ledger_months``) when the scope is bounded; else its own query."""
    if facts_ready(url) and scope.period_from and scope.period_to:
        rows = _ledger_months(url, tuple(scope.plants), tuple(scope.families))
        return rows[(rows.period >= scope.period_from) & (rows.period <= scope.period_to)].reset_index(drop=True)
    return q.load_ledger_by_category(get_engine(url), scope, facts_ready(url))


@frame
def _ledger_months(url: str, plants: tuple[str, ...], families: tuple[str, ...]) -> pd.DataFrame:
    """``load_ledger_by_category`` of every month (ledger facts), one row per period x plant x
    category, ordered so."""
    return q.load_ledger_by_category(get_engine(url), Scope(plants=plants, families=families), True)


@figure
def production_monthly(url: str, scope: Scope) -> pd.DataFrame:
    """Output per month and family (``compute_production_monthly``). From the production facts,
    the months of every span of one plant and family filter are the rows of one cached table of
    every month (``_production_months``: each row sums its month's days, so a span's rows are the
    same sums in the same order as the span's own): the overview's spans and the production
    page's trend compute it once, and the cache keeps months, not days."""
    if facts_ready(url) and scope.period_from and scope.period_to:
        months = _production_months(url, tuple(scope.plants), tuple(scope.families))
        rows = months[(months.period >= scope.period_from) & (months.period <= scope.period_to)].reset_index(drop=True)
        return rows if len(rows) else compute_production_monthly(pd.DataFrame())  # no output: the empty frame the span's own gives
    return compute_production_monthly(q.load_production_daily(get_engine(url), scope))


@frame
def _production_months(url: str, plants: tuple[str, ...], families: tuple[str, ...]) -> pd.DataFrame:
    """``compute_production_monthly`` of every day (production facts) of the plants and families;
    every plant's and family's as the fact refresh stored it (``facts_cockpit.load_production_months``)."""
    if not plants and not families and _whole_company_stored(url):
        return facts_cockpit.load_production_months(get_engine(url), _as_of(url))
    return compute_production_monthly(q.load_production_daily(get_engine(url), Scope(plants=plants, families=families), True))


def cash_balances(url: str, scope: Scope) -> pd.DataFrame:
    """The scope's bank balances per account and date (``load_cash_balances``): a bounded scope's
    rows sliced from one cached read of every date of its plants (``_cash_balance_days``), the
    same rows in the same order (by date and account)."""
    if scope.period_from and scope.period_to:
        rows = _cash_balance_days(url, tuple(scope.plants))
        lo, hi = (pd.Timestamp(d) for d in (q.month_start(scope.period_from), q.month_after(scope.period_to)))
        dates = pd.to_datetime(rows.balance_date)
        return rows[(dates >= lo) & (dates < hi)].reset_index(drop=True)
    return _cash_balances(url, scope)


@frame
def _cash_balances(url: str, scope: Scope) -> pd.DataFrame:
    return q.load_cash_balances(get_engine(url), scope)


@frame
def _cash_balance_days(url: str, plants: tuple[str, ...]) -> pd.DataFrame:
    return q.load_cash_balances(get_engine(url), Scope(plants=plants))


@figure
def kpis(url: str, scope: Scope) -> dict:
    return compute_kpis(monthly_pnl(url, scope), production_monthly(url, scope), cash_balances(url, scope))


def period_end_cash(url: str, scope: Scope) -> dict:
    """``{"cash_amount", "cash_date"}``: the bank balances at the scope's last balance date, as
    the overview's card shows them (``compute_kpis``), without the rest of the KPIs."""
    k = compute_kpis(pd.DataFrame(), pd.DataFrame(), cash_balances(url, scope))
    return {"cash_amount": k["cash_amount"], "cash_date": k["cash_date"]}


@frame
def trial_balance(url: str, scope: Scope) -> pd.DataFrame:
    return q.load_trial_balance(get_engine(url), scope, facts_ready(url))


@figure
def pnl_statement(url: str, scope: Scope, layout: str = "by_month", choice: PeriodChoice | None = None) -> dict:
    """``{"statement", "margins"}``: the P&L statement of the scope in ``layout`` ("by_month" or
    "comparison"); ``choice`` (``period_choice()``) sets the comparisons, None = a custom span."""
    return reports_ledger.pnl_statement_report(get_engine(url), scope, layout, choice, use_facts=facts_ready(url),
                                               ledger_of=lambda s: ledger_by_category(url, s))


@figure
def trial_balance_balances(url: str, scope: Scope) -> dict:
    """``{"accounts", "totals"}``: opening, debit, credit, closing per account, and the checks."""
    return reports_ledger.trial_balance_report(get_engine(url), scope, use_facts=facts_ready(url))


@figure
def work_orders(url: str, scope: Scope, limit: int = 5000) -> pd.DataFrame:
    return q.load_work_orders(get_engine(url), scope, limit)


WIP_TIE_TABLES = ("work_orders", "work_centers", "voucher_lines", "material_issues", "labor_logs", "machine_events")


@figure
def wip_tie_summary(url: str) -> dict:
    """``{"n_orders", "n_tied", "untied"}`` of every work order: counted in SQL from the WIP
    facts, only the untied orders' rows read (``reports.lineage.wip_tie_summary``)."""
    return reports_lineage.wip_tie_summary(get_engine(url))


def wip_untied(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """The work orders whose ledger WIP does not tie to operations, of ``plants`` (all when
    empty): rows of the cached summary, so the overview and the Data page share one computation."""
    untied = wip_tie_summary(url)["untied"]
    return untied[untied.plant_id.isin(plants)] if plants and not untied.empty else untied


@figure
def unbalanced_vouchers(url: str) -> pd.DataFrame:
    """One row per unbalanced voucher: a small fact table when the facts are fresh, a group-by
    over every voucher otherwise."""
    return q.load_unbalanced_vouchers(get_engine(url), facts_ready(url))


@figure
def validation_findings(url: str) -> pd.DataFrame:
    return validate_database(get_engine(url))


def run_import(url: str, files: list[tuple[str, bytes]], mode: str, profile=None) -> ImportReport:
    """Import uploaded files into the embedded database and refresh every cache.

    Does not wait for another writer: a busy database comes back as a one-problem report.
    Replace mode keeps the previous file in ``backups/``. Admins only; every attempt is in the
    audit trail (who, which files, rows, result). ``profile``: an import profile
    (``read_import_profile``) that reshapes the files first."""
    who = user()
    names = [name for name, _ in files]
    if not access.may_write(who):
        audit.record(who.login, "import_refused", display_url(url), {"files": names, "mode": mode})
        return ImportReport([Problem("", 0, "", "", t("import_not_permitted"))], {}, [])
    get_engine(url).dispose()
    try:
        report = import_sources(files, url, mode, lock_timeout=0, profile=profile)
    except DatabaseBusy as exc:
        report = ImportReport([Problem("", 0, "", "", str(exc))], {}, [])
    audit.record(who.login, "import", display_url(url), {"files": names, "mode": mode, "ok": report.ok, "rows": report.row_counts,
                                                          "problems": report.total,
                                                          "profile": profile.source if profile is not None else None})
    if report.ok:
        reset_caches(url)
    return report


def read_import_profile(data: bytes, name: str):
    """(import profile, problems frame): the profile of an uploaded TOML or YAML file (by its
    suffix), or None and its problems (file, path, value, what is expected); see
    docs/IMPORT_PROFILES.md."""
    profile, problems = profiles.read_profile(data, name)
    frame = pd.DataFrame([{"file": p.file, "path": p.column, "value": p.value, "message": p.message} for p in problems],
                         columns=["file", "path", "value", "message"])
    return profile, frame


def preview_import(files: list[tuple[str, bytes]], profile=None, rows: int = 20) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    """The first ``rows`` rows of each table as the import would store them (parsed, typed, before
    the checks against the database), and the report of the parsing; nothing is written."""
    parsed, problems, warnings = read_sources(files, profile=profile)
    heads: dict[str, pd.DataFrame] = {}
    for pt in parsed:
        head = _plain(pt.frame.head(rows))
        heads[pt.table] = pd.concat([heads[pt.table], head], ignore_index=True).head(rows) if pt.table in heads else head
    return heads, ImportReport(fold(problems), {pt.table: len(pt.frame) for pt in parsed}, warnings)


@st.cache_data(show_spinner=False, max_entries=32)
def guess_import(name: str, content: bytes) -> profiles.Guess:
    """How an uploaded file most likely reads and maps (``data_loaders.profiles.guess``)."""
    return profiles.guess(name, content)


def contract_columns(table: str) -> list[tuple[str, bool]]:
    """(column, required) of a contract table, in the contract's order."""
    return [(c.name, (not c.nullable or c.primary_key) and c.default is None) for c in schema.table_by_name(table).columns]


def table_named(file: str) -> str | None:
    """The table a file's name stands for (``voucher_lines.csv``, ``凭证分录.csv``), or None."""
    from pathlib import Path

    from data_loaders.importer import table_for_name

    return table_for_name(Path(file).stem)


def contract_tables() -> list[str]:
    """The tables an import may feed, by name."""
    return [t.name for t in schema.CONTRACT_TABLES]


def mapping_profile(rules: list[dict]) -> tuple[object | None, pd.DataFrame]:
    """(profile, problems frame) from the mapping screen's choices: one dict per file with the
    arguments of ``mapping_rules.rule_from_screen``; None and no problems when no file is mapped."""
    entries, problems = [], []
    for i, rule in enumerate(rules):
        try:
            entries.append(mapping_rules.rule_from_screen(**rule))
        except profiles.ValidationError as exc:
            # located as in the saved profile: files[0].derive[1].from
            problems.extend({"file": rule["file"], "path": f"files[{i}]" + ("." + profiles.toml_path(tuple(e["loc"])) if e["loc"] else ""),
                             "value": "", "message": e["msg"].removeprefix("Value error, ")} for e in exc.errors(include_url=False))
    frame = pd.DataFrame(problems, columns=["file", "path", "value", "message"])
    if problems or not entries:
        return None, frame
    profile = profiles.Profile(name="mapping", description="saved from the Data page's mapping screen", files=entries)
    profile.source = "mapping"
    return profile, frame


def profile_text(profile, fmt: str = "toml") -> str:
    """A profile as TOML (or ``fmt="yaml"``), to save and reuse (``cli.py import FOLDER --profile FILE``)."""
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(profile.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude_none=True, exclude={"source"}),
                              allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    return profiles.profile_toml(profile)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The importer's Arrow columns (decimal128, dictionary-coded text) as the table widget shows
    them: decimals as floats, text as Python strings (a preview of a few rows only)."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.ArrowDtype):
            column = column.astype("float64") if "decimal" in str(column.dtype) else pd.Series(column.tolist(), dtype=object)
        out[name] = column.reset_index(drop=True)
    return pd.DataFrame(out)


def backups(url: str) -> pd.DataFrame:
    """The backups of the embedded file, newest first (see ``data_loaders.backup.list_backups``);
    empty for other databases."""
    path = eng.duckdb_path(url)
    if path is None:
        return pd.DataFrame(columns=["backup_name", "created_at", "reason", "n_bytes", "source", "n_voucher_lines"])
    return backup.list_backups(path)


def backups_folder(url: str) -> str:
    path = eng.duckdb_path(url)
    return "" if path is None else str(backup.backups_dir(path))


def restore(url: str, name: str) -> dict:
    """Restore the backup ``name`` of the embedded file (the current file is backed up first)
    and refresh every cache. Raises ``ValueError`` or ``DatabaseBusy`` with a message."""
    who = user()
    if not access.may_write(who):
        audit.record(who.login, "restore_refused", display_url(url), {"backup": name})
        raise ValueError(t("import_not_permitted"))
    get_engine(url).dispose()
    result = backup.restore_backup(eng.duckdb_path(url), name, timeout=0)
    audit.record(who.login, "restore", display_url(url), result)
    reset_caches(url)
    return result


def render_backups(url: str, t, key: str) -> None:
    """The backups of the embedded file with a restore button that asks for confirmation
    (the Data page, and the screen shown when the file cannot be opened)."""
    from ui.tables import render_table

    frame = backups(url)
    st.caption(t("backups_help", folder=md(backups_folder(url)), n=backup.keep_count()))
    if frame.empty:
        st.info(t("no_backups"))
        return
    shown = frame.assign(size_mb=(frame.n_bytes / 1e6).round(1))[
        ["backup_name", "created_at", "reason", "source", "n_voucher_lines", "size_mb", "problem"]]
    render_table(shown, key=f"{key}_backups_table")
    name = st.selectbox(t("backup_choose"), list(frame.backup_name), key=f"{key}_backup_name")
    sure = st.checkbox(t("restore_confirm", name=name), key=f"{key}_restore_confirm")
    if st.button(t("restore_button"), key=f"{key}_restore_button", disabled=not sure):
        try:
            result = restore(url, name)
        except (ValueError, DatabaseBusy) as exc:
            st.error(md(str(exc)))
            return
        st.session_state["data_restored"] = result
        st.rerun()


def set_context(url: str, scope: Scope, choice: PeriodChoice | None = None, user: User | None = None) -> None:
    """Called by the router on every run: the database, scope (already narrowed to the user's
    plants), period choice and signed-in user that pages read."""
    st.session_state["_db_url"] = url
    st.session_state["_scope"] = scope
    st.session_state["_period_choice"] = choice
    st.session_state["_user"] = user


def user() -> User:
    """The signed-in user (the local account when sign-in is not configured)."""
    return st.session_state.get("_user") or access.LOCAL


def may_open(page: str) -> bool:
    return access.may_open(user(), page)


def audit_verify() -> dict:
    """The audit log's hash-chain check (never cached: it must see a tampered row now)."""
    return audit.verify()


def audit_entries(actor: str | None, action: str | None, since: str, until: str) -> pd.DataFrame:
    return audit.entries(actor=actor, action=action, since=since, until=until)


def audit_actions() -> list[str]:
    return audit.actions()


def audit_store() -> str:
    return audit.store_path().name


def may_write() -> bool:
    """Whether the signed-in user may import, restore or rebuild (admins)."""
    return access.may_write(user())


def covers(url: str, scope: Scope) -> bool:
    """True when the data has every month of ``scope`` (a comparison before the data starts is
    unknown, not zero)."""
    periods = filter_options(url)["periods"]
    if not periods or not scope.period_from:
        return False
    return periods[0] <= scope.period_from and scope.period_to <= periods[-1]


def comparison_scopes(scope: Scope, choice: PeriodChoice | None) -> list[tuple[str, Scope]]:
    """The spans this period mode compares with, e.g. [("prior_month", …), ("prior_year", …)]."""
    if not scope.period_to:
        return []
    if choice is None:
        choice = PeriodChoice("custom", scope.period_to, scope.period_from)
    return [(name, scope.shifted(months)) for name, months in choice.comparisons()]


def trend_scope(scope: Scope) -> Scope:
    """The span a trend chart shows: at least the twelve months to the scope's last month."""
    if not scope.period_to or scope.n_months >= 12:
        return scope
    return scope.with_periods(month_add(scope.period_to, -11), scope.period_to)


def ledger_vs_operations(url: str, scope: Scope, operations) -> dict:
    """The ledger's gross profit and variance for the scope beside the operations' ones: the
    KPIs' ledger figures from the scope's P&L alone (``kpis`` without the output and cash reads
    this page does not show; the same figures)."""
    return compute_ledger_vs_operations(compute_kpis(monthly_pnl(url, scope), pd.DataFrame(), pd.DataFrame()), operations)


def budget_kpis(url: str, scope: Scope, choice: PeriodChoice | None) -> dict | None:
    """The headline KPIs of the original budget for the same span (None without a budget);
    ``choice`` does not change them (the comparisons of its statement are not read)."""
    return _budget_kpis(url, scope)


@figure
def _budget_kpis(url: str, scope: Scope) -> dict | None:
    return compute_budget_kpis(reports_ledger.budget_statement(get_engine(url), scope))


# --------------------------------------------------------------------------- cockpit (#13)
# The overview's cockpit (reports/cockpit.py) from the pages' cached parts: the ledger KPIs, the
# OEE report (default settings, as the OEE page opens), the budget report the overview's warnings
# read, the cash page's inputs and payment delays, and the profit parts of each span, so that a
# figure is computed once per span and shared with the page that owns it. OEE: the report's total
# alone, from the OEE month facts summed per work center in SQL: every span and month the
# overview shows in one read (``overview_oee``), another span alone (``oee_totals``).
def _facts_known(url):
    """``facts.known`` for the run's engine: the reports inside ask the facts' freshness of the
    cached ``facts_ready`` (once per data version) instead of the database on every query."""
    return facts.known(get_engine(url), facts_ready(url))


@figure
def cockpit_profit_parts(url: str, scope: Scope) -> dict:
    """Profit facts and work-order variances of a span (``reports.cockpit.profit_parts``)."""
    with _facts_known(url):
        return reports_cockpit.profit_parts(get_engine(url), scope)


COCKPIT_OEE_TABLES = ("machine_events", "output_counts", "routings", "work_center_calendar", "work_centers", "work_orders")


@figure
def oee_totals(url: str, scope: Scope, settings: OeeSettings) -> dict | None:
    """The OEE report's total and work centers alone (``reports.oee.oee_totals``; a bounded scope
    from the month facts, ``reports.oee.oee_month_totals``: the same numbers, a span of several
    months to float precision)."""
    with _facts_known(url):
        return reports_oee.oee_month_totals(get_engine(url), scope, settings)


def cockpit_span(url: str, scope: Scope, overview: Scope | None = None, parts: dict | None = None) -> dict:
    """The cockpit's figures for one span (``reports.cockpit.span_kpis``) of the overview of
    ``overview`` (None: the span's own); OEE when the database has the OEE page's tables (else it
    is unknown): a span of the overview's comes from the one read of all of them
    (``overview_oee``). ``parts``: the overview's ``overview_profit_parts`` (else the span's own)."""
    with_oee = not missing(url, COCKPIT_OEE_TABLES)
    if not with_oee:
        oee = None
    elif overview is not None:
        oee = overview_oee(url, overview, scope)
    else:
        oee = oee_totals(url, scope, OeeSettings())
    span_parts = _parts_of(url, parts, scope)
    return reports_cockpit.span_kpis(kpis(url, scope), span_parts, oee, cash_wc_months(url, tuple(scope.plants)), scope)


def profit_spans(scope: Scope) -> tuple[tuple[str, str], ...]:
    """Every span (first, last month) whose profit parts the overview of ``scope`` reads, whatever
    its period mode: the scope, the span before it (the bridge's base), its year to date and the
    spans of every mode that gives this scope compares it with. Empty for a scope without both
    ends."""
    if not (scope.period_from and scope.period_to):
        return ()
    spans = [scope, scope.previous(), reports_cockpit.year_to_date(scope), *_compared_spans(scope)]
    return tuple(sorted({(s.period_from, s.period_to) for s in spans if s is not None}))


def _compared_spans(scope: Scope) -> list[Scope]:
    """The spans that every period mode giving this (bounded) scope compares it with."""
    choices = [PeriodChoice(mode, scope.period_to, scope.period_from if mode == "custom" else None) for mode in PERIOD_MODES]
    return [scope.shifted(months) for c in choices if c.span() == (scope.period_from, scope.period_to) for _, months in c.comparisons()]


def overview_profit_parts(url: str, scope: Scope) -> dict:
    """span -> ``cockpit_profit_parts`` of every span of ``profit_spans(scope)`` (the scope's
    plants and families), read at once (``reports.cockpit.spans_profit_parts``): one cached
    value the overview's cockpit and warnings look their spans up in."""
    return _overview_profit_parts(url, tuple(scope.plants), tuple(scope.families), profit_spans(scope))


@figure
def _overview_profit_parts(url: str, plants: tuple[str, ...], families: tuple[str, ...], spans: tuple[tuple[str, str], ...]) -> dict:
    with _facts_known(url):
        return reports_cockpit.spans_profit_parts(get_engine(url), Scope(plants=plants, families=families), list(spans))


def _parts_of(url: str, parts: dict | None, scope: Scope) -> dict:
    """The profit parts of ``scope`` from the overview's ``parts`` when they hold its span, else
    its own cached ones."""
    span = (scope.period_from, scope.period_to)
    return parts[span] if parts is not None and span in parts else cockpit_profit_parts(url, scope)


@figure
def cockpit(url: str, scope: Scope, choice: PeriodChoice | None) -> dict:
    """The cockpit of the scope (``reports.cockpit.compose_cockpit``): the figures of the span, of
    each comparison the period mode calls for, of the budget and of the year to date, cash and
    the profit bridge from the span before.
    The same numbers as ``reports.cockpit.cockpit_report`` (tested)."""
    comparisons = comparison_scopes(scope, choice)
    main = comparisons[0][0] if comparisons else None
    every = overview_profit_parts(url, scope)
    spans = {"current": cockpit_span(url, scope, scope, every)}
    for name, other in comparisons:
        spans[name] = cockpit_span(url, other, scope, every) if covers(url, other) else None
    spans["budget"] = reports_cockpit.budget_span(budget_kpis(url, scope, choice))
    ytd = reports_cockpit.year_to_date(scope)
    if ytd is not None:
        spans["ytd"] = cockpit_span(url, ytd, scope, every)
        spans["ytd_budget"] = reports_cockpit.budget_span(budget_kpis(url, ytd, PeriodChoice("ytd", ytd.period_to)))
    base = scope.previous()
    base_parts = _parts_of(url, every, base) if base is not None and covers(url, base) else None
    parts = _parts_of(url, every, scope)
    plants = tuple(scope.plants)
    return reports_cockpit.compose_cockpit(
        scope, spans, main, budget_execution(url, scope, reports_cockpit.BUDGET_VERSION),
        cockpit_forecast(url, plants), cash_opening(url, scope), _as_of(url), reports_cockpit.compute_bridge(base_parts, parts), base,
        parts, base_parts)


@frame
def cockpit_forecast(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """The 13-week driver forecast under the default scenario: for every plant as stored by the
    fact refresh (``cash_facts``), else from the cash page's cached parts."""
    stored = _stored_cash(url, plants, "weeks")
    if stored is not None:
        return stored
    return reports_cockpit.cash_forecast(cash_inputs(url, plants), payment_delays(url, plants))


def year_to_date_scope(scope: Scope) -> Scope:
    """January of the scope's last year to its last month, unless the scope is longer."""
    if not scope.period_to or scope.n_months >= 12:
        return scope
    start = min(scope.period_from, f"{scope.period_to[:4]}-01")
    return scope.with_periods(start, scope.period_to)


def kpi_comparison(current: dict, others: dict) -> pd.DataFrame:
    return compute_kpi_comparison(current, others)


def period_choice() -> PeriodChoice | None:
    """How the user picked the scope's span (mode and month), for comparisons that follow the mode."""
    return st.session_state.get("_period_choice")


def context() -> tuple[str, Scope, str]:
    """(database URL, scope, currency) for the page being drawn."""
    from ui.router import ensure_router

    ensure_router()
    url = st.session_state.get("_db_url") or database_url()
    scope = st.session_state.get("_scope") or Scope()
    currency = dataset_info(url).get("currency", "CNY")
    return url, scope, currency


# --------------------------------------------------------------------------- drill-down
def lineage_options(url: str) -> dict:
    """The voucher search's pickers; cost centers of the user's plants (and shared ones)."""
    return _lineage_options(url, plant_limit())


@frame
def _lineage_options(url: str, plants: tuple[str, ...]) -> dict:
    opts = lineage.load_lineage_options(get_engine(url), plants=plants)
    acc = opts["accounts"].assign(name=lambda d: d.account_name + " " + d.account_name_en.fillna(""))
    opts["account_tree"] = compute_tree_labels(acc, "account_code", "parent_code", "name")
    opts["cost_center_tree"] = compute_tree_labels(opts["cost_centers"], "cost_center_id", "parent_id", "cost_center_name")
    return opts


def subtree(url: str, kind: str, root: str | None) -> tuple[str, ...]:
    """The chosen account or cost center and everything below it ("" = any)."""
    if not root:
        return ()
    opts = lineage_options(url)
    if kind == "account":
        return compute_subtree(opts["accounts"], "account_code", "parent_code", root)
    return compute_subtree(opts["cost_centers"], "cost_center_id", "parent_id", root)


@figure
def voucher_page(url: str, scope: Scope, f: lineage.VoucherFilter, page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    return lineage.load_voucher_page(get_engine(url), scope, f, page, page_size)


def plant_limit() -> tuple[str, ...]:
    """The signed-in user's plants (empty: every plant). Lookups by key (a voucher, a work order)
    pass it to the data layer, where another plant's record reads as absent."""
    return access.restrict(Scope(), user()).plants


def voucher_detail(url: str, voucher_no: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The voucher and its lines, if it exists and is of the user's plants."""
    return _voucher_detail(url, voucher_no, plant_limit())


@frame
def _voucher_detail(url: str, voucher_no: str, plants: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return lineage.load_voucher_with_lines(get_engine(url), voucher_no, plants)


@frame
def source_document(url: str, source_doc_type: str, source_doc_id: str) -> pd.DataFrame:
    return lineage.load_source_document(get_engine(url), source_doc_type, source_doc_id)


@frame
def work_order_search(url: str, scope: Scope, text: str) -> pd.DataFrame:
    return lineage.search_work_orders(get_engine(url), scope, text)


def work_order_trace(url: str, work_order_id: str) -> dict | None:
    """Everything about the work order, if it exists and is of the user's plants."""
    return _work_order_trace(url, work_order_id, plant_limit())


@figure
def _work_order_trace(url: str, work_order_id: str, plants: tuple[str, ...]) -> dict | None:
    return reports_lineage.work_order_trace(get_engine(url), work_order_id, plants)


@figure
def reconciliation(url: str, scope: Scope, tolerance: float) -> dict:
    return reports_lineage.reconciliation(get_engine(url), scope, tolerance)


@figure
def oee(url: str, scope: Scope, settings: OeeSettings) -> dict | None:
    return reports_oee.oee_report(get_engine(url), scope, settings)


@figure
def oee_drill(url: str, scope: Scope, work_center_id: str, period: str) -> dict:
    """One work center's month on the OEE page: its events and the loss cost of their orders."""
    return reports_oee.oee_drill(get_engine(url), scope, work_center_id, period)


@figure
def profitability(url: str, scope: Scope) -> dict:
    """The profitability report without its row frames (``facts`` and ``variances`` None): every
    summary the page draws; one product's orders come from ``profitability_orders``. Whether the
    facts serve it: ``reports.profitability.use_facts`` with the freshness asked once a minute."""
    fast = bool(scope.period_from and scope.period_to) and facts_ready(url)
    return reports_profitability.profitability_report(get_engine(url), scope, fast=fast, detail=False)


@figure
def profitability_orders(url: str, scope: Scope, product_id: str) -> pd.DataFrame:
    """The work orders of one product with their variances (the page's drill)."""
    return reports_profitability.product_orders(get_engine(url), scope, product_id)


@figure
def budget(url: str, scope: Scope, version: str, compare_version: str, method: str, warn: float, alert: float) -> dict | None:
    """The budget page's report, from the cached execution of the scope and version (which the
    overview reads alone)."""
    return reports_budget.budget_report(get_engine(url), scope, version, compare_version, method, warn, alert,
                                        use_facts=facts_ready(url), execution=budget_execution(url, scope, version))


@figure
def budget_execution(url: str, scope: Scope, version: str = "original") -> dict | None:
    """``reports.budget.budget_execution``: the budget's total and year-to-date execution (the
    overview's cockpit and budget warnings), and what the rest of the budget page's report
    starts from."""
    return reports_budget.budget_execution(get_engine(url), scope, version, use_facts=facts_ready(url))


@figure
def flexible_budget(url: str, scope: Scope, version: str) -> dict | None:
    """Sales variances by product and the flexible budget by line (None without a sales budget).
    Whether the order facts serve it: as ``profitability`` asks, from the cached freshness."""
    fast = bool(scope.period_from and scope.period_to) and facts_ready(url)
    return reports_budget.flexible_budget_report(get_engine(url), scope, version, use_facts=facts_ready(url), fast=fast)


@figure
def budget_cell_lines(url: str, scope: Scope, cost_center: str, account: str) -> pd.DataFrame:
    """The voucher lines behind one budget cell, the cost center and account with everything below."""
    return budget_loaders.load_lines_for_cell(get_engine(url), scope, subtree(url, "cost_center", cost_center),
                                              subtree(url, "account", account))


# The cash page's parts, each cached on what it depends on (reports/cash.py): the forecast starts
# at the as-of date, so only the plants of the scope matter, and a scenario, the minimum cash
# or the working-capital convention recompose the cached parts without SQL or model fits.
_preload_lock = threading.Lock()
_preloading: threading.Thread | None = None
_warming: dict[tuple[Source, tuple[str, ...]], threading.Thread] = {}


def _import_models() -> None:
    """Import the forecasting models, then move every object the process holds by now (the
    modules of the app, pandas, statsmodels: some 250 k) out of the garbage collector's reach
    (``gc.freeze``): a full collection no longer walks them, which cost every cold page 0.1-0.15
    CPU s at 10 M lines whichever part allocated past the threshold. Objects are still freed when
    their last reference goes; only cycles among these long-lived objects are never collected.
    Also imported here: pyarrow's Acero engine, which pandas imports on its first group-by of an
    Arrow-backed column (≈ 20 ms, otherwise paid by the first page that groups one)."""
    reports_cash.preload_models()
    importlib.import_module("pyarrow.acero")
    gc.freeze()


def preload_forecasting(url: str | None = None, plants: tuple[str, ...] = ()) -> threading.Thread:
    """Import the cash baseline's statsmodels models in a background thread, once per process
    (the router starts it after the first page is drawn): the import takes longer than the
    model selection itself, and the cash page would otherwise pay it on its first view.
    With ``url``, the same thread then fits the baseline of ``plants`` (``cash_baseline``, once
    per data version and plants): the model selection (0.6 CPU s at 10 M lines) is then done
    before the cash page is opened, and the page finds it cached, the same figures and model.
    Returns the thread (``join()`` waits for the import, and the fit when asked for)."""
    global _preloading
    with _preload_lock:
        if _preloading is None:
            _preloading = threading.Thread(target=_import_models, name="preload-forecasting", daemon=True)
            _preloading.start()
        if url is None:
            return _preloading
        key = (source(url), tuple(plants))  # the run's data version: the thread has no session
        if key not in _warming:
            for done in [k for k, thread in _warming.items() if k[0] != key[0] and not thread.is_alive()]:
                del _warming[done]  # an older data version's: its cache entry expires on its own
            imported = _preloading

            def warm() -> None:
                imported.join()
                try:
                    cash_baseline(*key)
                except Exception:  # the page computes (and reports) it itself when opened
                    log.warning("cash baseline warm-up failed", exc_info=True)

            _warming[key] = threading.Thread(target=warm, name="preload-cash-baseline", daemon=True)
            _warming[key].start()
        return _warming[key]


def _as_of(url: str) -> pd.Timestamp:
    """The data's as-of date from the cached ``dataset_info`` (the router's): the cash parts read
    it once per data version instead of once each."""
    return reports_cash.as_of_in(dataset_info(url))


@frame
def cash_position(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """The latest balance of each bank account of the plants: today's cash is its sum, for the
    baseline (fitted in the background) and the page's inputs alike."""
    return reports_cash.cash_position(get_engine(url), tuple(plants), _as_of(url))


@figure
def cash_inputs(url: str, plants: tuple[str, ...] = ()) -> dict:
    """Position, open items, open orders, plan and overhead budget as of the data's date."""
    with _facts_known(url):
        return reports_cash.cash_inputs(get_engine(url), tuple(plants), cash_position(url, plants), _as_of(url))


@figure
def payment_delays(url: str, plants: tuple[str, ...] = ()) -> pd.Series:
    """Days each customer pays after the due date, recently (the overview's late payers); for
    every plant from the stored facts when fresh (``cash_facts``)."""
    stored = _stored_cash(url, plants, "delays")
    if stored is not None:
        return stored
    with _facts_known(url):
        return reports_cash.payment_delays(get_engine(url), tuple(plants), _as_of(url))


@frame
def cash_facts(url: str) -> dict | None:
    """The 13-week forecast, the payment delays and the working-capital months of every plant
    as the fact refresh stored them for the data's as-of date (``data_loaders.facts_cockpit``),
    None when the facts are not fresh or hold another date: the same frames the reports compute."""
    if not facts_ready(url):
        return None
    return facts_cockpit.load_stored(get_engine(url), _as_of(url))


@frame
def _whole_company_stored(url: str) -> bool:
    """Whether the fact refresh stored the overview's whole-company figures for the data's as-of
    date (``data_loaders.facts_cockpit``): one count, where ``cash_facts`` reads three tables."""
    return facts_ready(url) and facts_cockpit.stored_for(get_engine(url), _as_of(url))


def _stored_cash(url: str, plants: tuple[str, ...], part: str):
    """``part`` of ``cash_facts`` for every plant; None for some plants or without fresh facts."""
    stored = cash_facts(url) if not plants else None
    return None if stored is None else stored[part]


def overdue_receivables(url: str, plants: tuple[str, ...], customers) -> pd.DataFrame:
    """The open receivables of ``customers`` as of the data's date (the late payers' warnings:
    their overdue amounts), in invoice order as ``cash_inputs`` holds them."""
    with _facts_known(url):
        return cash_loaders.load_open_receivables(get_engine(url), _as_of(url).date(), Scope(plants=tuple(plants)),
                                                  customers=tuple(customers))


@figure
def cash_history(url: str, plants: tuple[str, ...] = ()) -> pd.Series:
    return reports_cash.cash_history(get_engine(url), tuple(plants), _as_of(url), use_facts=facts_ready(url))


@figure
def cash_baseline(url: str, plants: tuple[str, ...] = ()) -> dict:
    """The statistical baseline: one model selection per data version and plants (fitted in the
    background after the server's first page, ``preload_forecasting``). It starts from today's
    cash as ``cash_inputs`` sums it, from the same cached ``cash_position`` frame, so that the
    background fit reads no open items."""
    return reports_cash.cash_baseline(cash_history(url, plants), float(cash_position(url, plants).balance_amount.sum()))


@figure
def cash_backtest(url: str, scope: Scope) -> pd.DataFrame | None:
    """The baseline's 12-origin backtest (twelve more model selections): asked for on the page."""
    return _cash_backtest(url, tuple(scope.plants))


@figure
def _cash_backtest(url: str, plants: tuple[str, ...]) -> pd.DataFrame | None:
    return reports_cash.cash_backtest(cash_history(url, plants))


@figure
def cash_wc_months(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """Working capital per closed month of the plants; for every plant as stored by the fact
    refresh (``cash_facts``)."""
    stored = _stored_cash(url, plants, "wc_months")
    if stored is not None:
        return stored
    return reports_cash.cash_working_capital_months(get_engine(url), tuple(plants), _as_of(url), use_facts=facts_ready(url),
                                                    ledger=cash_wc_ledger(url, plants))


@frame
def cash_wc_ledger(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """The plants' working-capital movements per plant x month x category
    (``load_working_capital_ledger``): read once for the cash page's months and the overview's
    working-capital warnings."""
    return cash_loaders.load_working_capital_ledger(get_engine(url), Scope(plants=tuple(plants)), facts_ready(url))


@figure
def cash_customer_dso(url: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    return reports_cash.cash_customer_dso(get_engine(url), tuple(plants), _as_of(url), use_facts=facts_ready(url))


def cash_opening(url: str, scope: Scope) -> float | None:
    """Today's cash: the latest balance of every bank account of the scope's plants (the
    ``opening`` of ``cash_inputs``, from the same cached position without its open items); None
    when no bank account has a balance before the as-of date (unknown, not zero)."""
    return reports_cash.known_opening(cash_position(url, tuple(scope.plants)))


def late_payers(url: str, scope: Scope, days: float = 30.0) -> pd.Series:
    """Customers paying more than ``days`` after the due date (days late by customer)."""
    delays = payment_delays(url, tuple(scope.plants))
    return delays[delays > days]


def cash(url: str, scope: Scope, scenario: CashScenario, min_cash: float, backtest: bool = False,
         wc: WorkingCapitalSettings = WorkingCapitalSettings()) -> dict:
    """The cash report (``reports.cash``) for the scope's plants under ``scenario``; the backtest
    only when asked for (``backtest``); ``events`` None (a week's: ``cash_week_events``)."""
    return _cash(url, tuple(scope.plants), scenario, float(min_cash), bool(backtest), wc)


@figure
def _cash(url: str, plants: tuple[str, ...], scenario: CashScenario, min_cash: float, backtest: bool,
          wc: WorkingCapitalSettings) -> dict:
    return reports_cash.compose_cash_report(
        cash_inputs(url, plants), payment_delays(url, plants), cash_baseline(url, plants), cash_wc_months(url, plants),
        cash_customer_dso(url, plants), scenario, min_cash, _cash_backtest(url, plants) if backtest else None,
        wc.basis, wc.day_count, wc.balance, wc.sales_basis, events=False)


def cash_week_events(url: str, scope: Scope, scenario: CashScenario, week: pd.Timestamp) -> pd.DataFrame:
    """The driver forecast's events of one week of the 13-week table (the page's drill): the
    cached report keeps no events (a year of them, pickled into the cache on every view)."""
    return _cash_week_events(url, tuple(scope.plants), scenario, pd.Timestamp(week))


@figure
def _cash_week_events(url: str, plants: tuple[str, ...], scenario: CashScenario, week: pd.Timestamp) -> pd.DataFrame:
    return reports_cash.week_events(cash_inputs(url, plants), payment_delays(url, plants), scenario, week)


# --------------------------------------------------------------------------- early warnings (#13)
from analytics.warnings import WarningSettings  # noqa: E402 - re-exported for the warnings panel
from reports import warnings as reports_warnings  # noqa: E402


@figure
def warnings(url: str, scope: Scope, settings: WarningSettings = WarningSettings(), models: bool | None = None) -> dict:
    """The scope's early warnings grouped by kind, most serious first (``reports.warnings``);
    the scope already carries the user's plant limit. The parts the budget and cash pages and
    the cockpit show too are read through their cached functions, so each is computed once.
    ``models``: None every rule; False the rules without the anomaly models; True the models only
    (the overview draws the rules first and fits the models when asked: seconds at 10 M lines)."""
    plants = tuple(scope.plants)
    parts = {  # computed as the budget and cash pages and the cockpit compute them: one cache entry each
        "budget": lambda: budget_execution(url, scope, reports_cockpit.BUDGET_VERSION),  # the year to date is all the rule reads
        "profit_parts": lambda: _parts_of(url, overview_profit_parts(url, scope), scope),  # the cockpit's: the rate per product needs no whole report
        "cash_inputs": lambda: cash_inputs(url, plants),
        "as_of": lambda: _as_of(url),
        "overdue_receivables": lambda customers: overdue_receivables(url, plants, customers),  # the late payers' only
        "payment_delays": lambda: payment_delays(url, plants),
        "cash_forecast": lambda: cockpit_forecast(url, plants),  # the cockpit's 13 weeks: one events pass, not two
        "wc_months": lambda: cash_wc_months(url, plants),
        "wc_ledger": lambda: cash_wc_ledger(url, plants),
        "wc_inputs": lambda: _wc_warning_inputs(url, plants),
        "wip_untied": lambda tolerance: _untied_every_month(url, plants, tuple(scope.families), tolerance),
        "oee_totals_by_month": lambda months: oee_months(url, scope, months),
    }
    rules = None if models is None else [name for name in reports_warnings.RULES if (name in reports_warnings.MODEL_RULES) == models]
    with _facts_known(url):
        return reports_warnings.month_warnings(get_engine(url), scope, settings, rules=rules, parts=parts)


@frame
def _wc_warning_inputs(url: str, plants: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The working-capital rule's inputs, which do not depend on the scope's months
    (``reports.warnings.working_capital_inputs``); every plant's as the fact refresh stored them."""
    if not plants and _whole_company_stored(url):
        return facts_cockpit.load_wc_inputs(get_engine(url), _as_of(url))
    return reports_warnings.working_capital_inputs(cash_wc_months(url, plants), cash_wc_ledger(url, plants))


@frame
def _untied_every_month(url: str, plants: tuple[str, ...], families: tuple[str, ...], tolerance: float) -> pd.DataFrame:
    """The untied orders of every month of the plants and families (``wip_tie_summary``): the
    WIP rule reads them whatever months are picked. Every plant's and family's at the default
    tolerance as the fact refresh stored them."""
    if not plants and not families and tolerance == WarningSettings().wip_tolerance and _whole_company_stored(url):
        return facts_cockpit.load_untied(get_engine(url), _as_of(url))
    with _facts_known(url):
        return reports_lineage.wip_tie_summary(get_engine(url), Scope(plants=plants, families=families), tolerance)["untied"]


def oee_months(url: str, scope: Scope, months: list[str]) -> dict:
    """The OEE drop warning's months (``reports.oee.oee_totals_by_month``): each month's totals
    from the overview's one read of its spans (``overview_oee``), so that a month the cockpit
    shows as a span of its own (a one-month scope and its one-month comparisons) is computed
    once. The same numbers."""
    got = _overview_oee(url, tuple(scope.plants), tuple(scope.families), overview_spans(scope))
    return {m: got[(m, m)] if (m, m) in got else oee_totals(url, Scope(m, m, scope.plants, scope.families), OeeSettings()) for m in months}


def overview_months(scope: Scope) -> tuple[str, ...]:
    """The months whose OEE the overview of ``scope`` computes one by one: the OEE drop
    warning's (the last month and the trailing months before it, default settings) and, for a
    one-month scope, its one-month comparisons (the month before, which is one of those, and a
    year earlier). Empty for an open scope."""
    last = scope.period_to
    if not last:
        return ()
    months = {month_add(last, -k) for k in range(WarningSettings().oee_trailing_months + 1)}
    if scope.period_from == last:
        months.add(month_add(last, -12))
    return tuple(sorted(months))


def overview_spans(scope: Scope) -> tuple[tuple[str, str], ...]:
    """Every span (first, last month) whose OEE the overview of ``scope`` shows, whatever its
    period mode: the scope, the spans of every mode that gives this scope compares it with
    (``PeriodChoice.comparisons``), its year to date and ``overview_months``. Empty for a scope
    without both ends."""
    if not (scope.period_from and scope.period_to):
        return ()
    spans = [scope, reports_cockpit.year_to_date(scope), *(Scope(m, m) for m in overview_months(scope)), *_compared_spans(scope)]
    return tuple(sorted({(s.period_from, s.period_to) for s in spans if s is not None}))


def overview_oee(url: str, overview: Scope, scope: Scope) -> dict | None:
    """The OEE totals (default settings) of a span of the overview of ``overview``: from the one
    read of every span it shows (``overview_spans``, ``reports.oee.oee_span_totals``), else the
    span's own ``oee_totals``. The total and the work centers' ``OVERVIEW_OEE_COLUMNS`` (what
    the cockpit and the OEE drop warning read): the same numbers to the bit
    (tests/test_overview_oee.py)."""
    spans = overview_spans(overview)
    span = (scope.period_from, scope.period_to)
    if span in spans and (scope.plants, scope.families) == (overview.plants, overview.families):
        return _overview_oee(url, tuple(overview.plants), tuple(overview.families), spans)[span]
    return oee_totals(url, scope, OeeSettings())


OVERVIEW_OEE_COLUMNS = ("work_center_id", "plant_id", "oee_pct", "loss_cost_amount")


@figure
def _overview_oee(url: str, plants: tuple[str, ...], families: tuple[str, ...], spans: tuple[tuple[str, str], ...]) -> dict:
    """span -> its OEE totals, the work centers cut to ``OVERVIEW_OEE_COLUMNS``: a small cached
    value (every cached read of it unpickles all spans)."""
    with _facts_known(url):
        got = reports_oee.oee_span_totals(get_engine(url), Scope(plants=plants, families=families), list(spans), OeeSettings())
    return {span: None if t is None else {"total": t["total"], "by_work_center": t["by_work_center"][list(OVERVIEW_OEE_COLUMNS)]}
            for span, t in got.items()}


# --------------------------------------------------------------------------- import profiles, part 2 (#15)
# Balances without vouchers, and the currency from the plants.
from reports.currency import resolve_currency  # noqa: E402


def balance_only_periods(url: str, scope: Scope) -> tuple[str, ...]:
    """The scope's periods that come only from ledger balances (no voucher lines), ascending;
    none when the database has no ``ledger_balances`` table (written by an older version)."""
    if missing(url, ("ledger_balances",)):
        return ()
    return _balance_only_periods(url, scope)


@frame
def _balance_only_periods(url: str, scope: Scope) -> tuple[str, ...]:
    return tuple(q.load_balance_only_periods(get_engine(url), scope))


def scope_currencies(url: str, scope: Scope) -> dict[str, str]:
    """Plant id -> currency for the scope's plants (every plant the user may see when the scope
    names none)."""
    if missing(url, ("plants",)):
        return {}
    return _plant_currencies(url, tuple(scope.plants) or plant_limit())


@frame
def _plant_currencies(url: str, plants: tuple[str, ...]) -> dict[str, str]:
    return q.load_plant_currencies(get_engine(url), plants)


def scope_currency(url: str, scope: Scope) -> tuple[str, dict[str, str]]:
    """(the scope's currency, plant -> currency when its plants use several, else {}): see
    ``reports.currency``."""
    return resolve_currency(scope_currencies(url, scope), dataset_info(url).get("currency"))


from reports import currency as reports_currency  # noqa: E402


@figure
def plant_figures(url: str, scope: Scope) -> dict:
    """A scope whose plants use several currencies, side by side: each plant's headline figures in
    its own currency, a subtotal per currency, no grand total (``reports.currency.plant_figures``).
    ``scope`` is the page's, already narrowed to the user's plants."""
    return reports_currency.plant_figures(get_engine(url), scope)


@st.cache_data(show_spinner=False, max_entries=32)
def first_row(name: str, content: bytes, delimiter: str, encoding: str | None, skip_rows: int = 0,
              sheet: str | None = None) -> list[str]:
    """An uploaded file's first row read with the delimiter, encoding, rows to skip and sheet the
    mapping screen chose."""
    return mapping_rules.first_row(name, content, delimiter, encoding, skip_rows, sheet)


@st.cache_data(show_spinner=False, max_entries=32)
def sheet_names(name: str, content: bytes) -> list[str]:
    """An uploaded workbook's sheets (``[]`` for a text file)."""
    return mapping_rules.sheet_names(name, content)


def is_workbook(name: str) -> bool:
    return mapping_rules.is_workbook(name)


def mapping_guess_columns(table: str, header: tuple[str, ...]) -> dict[str, str]:
    """Contract column -> the header naming it, for the table the mapping screen shows."""
    return mapping_rules.guess_columns(table, list(header))


def mapping_derivation(op: str, fields: dict) -> tuple[dict | None, list[str]]:
    """(the profile's derivation, []) from the mapping screen's fields, or (None, what is wrong
    with each field, by its name in the profile: ``from: …``)."""
    try:
        return mapping_rules.derivation_from_screen(op, fields), []
    except profiles.ValidationError as exc:
        out = []
        for e in exc.errors(include_url=False):
            loc = [str(x) for x in e["loc"] if x not in profiles.DERIVATIONS]
            field = _DERIVE_FIELDS.get(loc[0], "") if loc else ""
            name = f"{t(field)} ({'.'.join(loc)})" if field else ".".join(loc) or op
            message = t("mapping_derive_required") if e["type"] in ("missing", "too_short", "string_too_short") else \
                e["msg"].removeprefix("Value error, ")
            out.append(f"{name}: {message}")
        return None, out


_DERIVE_FIELDS = {"from": "mapping_derive_from", "to": "mapping_derive_to", "sep": "mapping_derive_sep",
                  "indicator": "mapping_derive_indicator", "by": "mapping_derive_by", "negative": "mapping_derive_negative",
                  "positive": "mapping_derive_positive", "debit": "mapping_derive_debit_values",
                  "credit": "mapping_derive_credit_values"}


def mapping_derivation_text(item: dict, source=str, target=str) -> str:
    """The derivation's line in the screen's language: its kind's short name (期间, concat …),
    ``source`` and ``target`` labelling the columns it reads and writes."""
    from ui.i18n import lang, t

    def op(name: str) -> str:  # "期间：由日期或日期键" -> 期间, "debit / credit: one amount …" -> debit / credit
        return t(f"mapping_derive_op_{name}").split("：")[0].split(": ")[0]

    return mapping_rules.derivation_text(item, source, target, op, lambda w: t(f"mapping_word_{w}"), "：" if lang() == "zh" else ": ")


def mapping_derived(items: list[dict]) -> list[str]:
    """The columns the mapping screen's derivations write, in their order."""
    return mapping_rules.derived_list(items)


def mapping_missing(table: str, columns: dict[str, str], constants: dict[str, str], derive: list[dict]) -> list[str]:
    """The required columns with no source, constant or derivation (``mapping_rules.missing_required``)."""
    return mapping_rules.missing_required(table, columns, constants, derive)


def headerless_table(row: tuple[str, ...]) -> str | None:
    """The table a file without a header row most likely feeds, from its first row
    (``mapping_rules.guess_headerless_table``)."""
    return mapping_rules.guess_headerless_table(list(row))


MAPPING_DELIMITERS, MAPPING_ENCODINGS = mapping_rules.DELIMITER_CHOICES, mapping_rules.ENCODING_CHOICES
MAPPING_DECIMALS, MAPPING_DERIVATIONS = mapping_rules.DECIMAL_CHOICES, mapping_rules.DERIVE_CHOICES
