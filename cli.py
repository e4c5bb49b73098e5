"""Command line: build the sample, import files, validate a database, print the KPI report.

    python cli.py build-sample [--scale 1] [--as-of 2026-11-22] [--db URL]
    python cli.py import FOLDER [--mode append|replace] [--yes] [--wait 30] [--profile erpnext.toml] [--db URL]
    python cli.py backups [--db URL]
    python cli.py restore NAME | --latest [--wait 30] [--db URL]
    python cli.py validate [--db URL]
    python cli.py schema-doc
    python cli.py trace VOUCHER_NO | WORK_ORDER_ID
    python cli.py export-parquet --out FOLDER [--db URL]
    python cli.py spark-register --parquet FOLDER [--no-facts] [--db spark://host:10000/default]
    python cli.py report --from 2026-01 --to 2026-10 [--plant P1] [--family ...] [--db URL]
                         [--oee-convention vorne|smrp|custom] [--oee-changeover availability|schedule]
                         [--oee-planned-as-loss] [--oee-target 0.85] [--oee-bottleneck]
                         [--wc-basis month|quarter|year] [--wc-days actual|30/360|365] [--wc-balance closing|average]
                         [--wc-sales revenue|credit_sales]
    python cli.py pack --month 2026-10 --out DIR [--lang zh|en] [--plant P1] [--snapshot ID] [--chromium PATH]

``--db`` defaults to ``$BFI_DATABASE_URL`` or the embedded sample (data/sample_plant.duckdb).
Exit codes: 0 success (a report on a scope or a database with no data in it too: its sections
are empty and ``empty`` says why), 1 only "the data has problems" (import rejected, validation
findings), 2 only bad arguments (a month that is not YYYY-MM, a voucher or work order that does
not exist, a replace not confirmed, an import profile that is not valid: its problems are printed
as JSON with the profile's file and path, a ``report`` scope whose plants use several
currencies: no report, their figures side by side per plant as JSON on stdout and one
``report`` command per currency on stderr) or a database that cannot answer (unreachable, missing a
contract table, held by another writer beyond ``--wait`` seconds, default 30), 3 an internal
error (a bug: the traceback is printed; please report it).
``pack`` (the month-end pack: pack.xlsx, deck.pptx, deck.pdf, see docs/EXPORTS.md): 0 the three
files are written (with tables only, and a note on stderr, when no browser renders the charts),
1 the database has no vouchers for the month, 2 bad arguments (a month that is not YYYY-MM, an
unknown plant or snapshot, an output folder that cannot be written) or a database that cannot
answer, 3 an internal error.

Writes (build-sample, import, restore) take the database's write lock; a replace-mode import
and a rebuild keep the previous DuckDB file in ``backups/`` beside it (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import json
import shlex
import sys
import time
import traceback
from pathlib import Path

import sqlalchemy as sa

from analytics.oee import CONVENTIONS, OeeSettings
from analytics.working_capital import BALANCES, BASES, DAY_COUNTS, SALES_BASES, WorkingCapitalSettings
from data_loaders import access, audit, backup, users
from data_loaders import engine as eng
from data_loaders import schema
from data_loaders import queries as q
from data_loaders.build import refresh_facts
from data_loaders.docs import render_tables
from data_loaders.importer import NOT_CHECKED, import_folder
from data_loaders.lock import DatabaseBusy
from data_loaders.profiles import ProfileError, load_profile
from data_loaders.scope import Scope
from data_loaders.users import ROLES, User
from data_loaders.validation import find_schema_gaps, validate_database
from reports.currency import MixedCurrencies, plant_figures
from reports.kpi import kpi_report
from reports.lineage import voucher_trace, work_order_trace
from sample_data.build import build_sample


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"not a fraction in (0, 1]: {text!r} (e.g. 0.85)")
    return value


def _records(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def _record(row) -> dict | None:
    return None if row is None else json.loads(row.to_json(date_format="iso", force_ascii=False))


def work_order_json(trace: dict) -> dict:
    """A work order trace as JSON: the order, its cost roll-up, completion, material vs BOM,
    every voucher line naming it and how many documents of each kind it has."""
    return {
        "work_order": _record(trace["header"]),
        "cost_rollup": _records(trace["rollup"]),
        "completion": trace["completion"],
        "materials": _records(trace["materials"]),
        "voucher_lines": _records(trace["ledger"]),
        "vouchers": sorted(set(trace["ledger"].voucher_no)),
        "documents": {name: int(len(frame)) for name, frame in trace["documents"].items()},
    }


def trace_json(engine, key: str, plants: tuple[str, ...] = ()) -> dict | None:
    """The lineage of a voucher number or a work order id, whichever ``key`` is; None if neither
    (or if it belongs to a plant outside ``plants``, the user's limit)."""
    v = voucher_trace(engine, key, plants)
    if v is not None:
        lines = []
        for line, (doc, missing) in zip(_records(v["lines"]), v["sources"]):
            lines.append({**line, "source_document": _record(doc), "source_missing": missing})
        return {"kind": "voucher", "voucher": _record(v["header"]), "lines": lines,
                "work_orders": {w: work_order_json(tr) for w, tr in v["work_orders"].items() if tr is not None}}
    w = work_order_trace(engine, key, plants)
    if w is not None:
        return {"kind": "work_order", **work_order_json(w)}
    return None


def _has_data(url: str) -> bool:
    """Whether a write to ``url`` could lose anything: False for a database file (DuckDB or
    SQLite) that does not exist yet or is empty, and for a database that holds none of the
    contract's tables; True when it cannot be read (ask rather than guess)."""
    u = sa.engine.make_url(eng.normalize_url(url))
    path = eng.duckdb_path(url) or (Path(u.database) if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:")
                                    else None)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return False  # checked before an engine opens it: opening a SQLite path creates the file
    engine = eng.make_engine(url, read_only=True)
    try:
        return bool(set(sa.inspect(engine).get_table_names()) & {t.name for t in schema.TABLES})
    except Exception:  # unreadable, locked or foreign: ask
        return True
    finally:
        engine.dispose()


def _confirmed(question: str, yes: bool) -> bool:
    """``--yes``, or a "y" typed at a terminal; never asks when stdin is not a terminal."""
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        print(f"error: {question} Pass --yes to confirm (a backup of a DuckDB file is kept).", file=sys.stderr)
        return False
    answer = input(f"{question} A backup is kept. Type y to go on: ")
    return answer.strip().lower() in ("y", "yes")


def _shown(url: str) -> str:
    """``url`` for messages: never its password (an unparsable URL is shown as its scheme only)."""
    try:
        return sa.engine.make_url(eng.normalize_url(url)).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show no part that could hold a secret
        return url.split("://", 1)[0] + "://…" if "://" in url else "…"


def _hide(text: str, url: str) -> str:
    """``text`` with the URL's password, if any, blanked (driver messages may quote the URL)."""
    try:
        password = sa.engine.make_url(eng.normalize_url(url)).password
    except Exception:
        return text
    return text.replace(str(password), "***") if password else text


def _check_url(url: str) -> None:
    """Refuse an unknown scheme or a driver that is not installed before any work (exit 2)."""
    try:
        sa.engine.make_url(eng.normalize_url(url)).get_dialect().import_dbapi()
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ValueError(f"not a database URL this app can use: {_shown(url)} ({_hide(str(exc).splitlines()[0], url)}); "
                         "use duckdb:///file.duckdb, sqlite:///file.sqlite, postgresql://… or mysql://…") from None


def _source(url: str) -> str | None:
    """``dataset_info.source`` of the database, None when it cannot be read."""
    from data_loaders.queries import load_dataset_info

    engine = eng.make_engine(url, read_only=True)
    try:
        return load_dataset_info(engine).get("source")
    except Exception:  # unreadable, locked or foreign: not the sample
        return None
    finally:
        engine.dispose()


def _embedded_path(url: str):
    path = eng.duckdb_path(url)
    if path is None:
        raise ValueError("backups are kept for DuckDB files only; back up a server database with its own tools (pg_dump, mariadb-dump)")
    return path


def _actor(args) -> User | None:
    """The user named by ``--user`` (None when sign-in is not configured and none is named).
    Once a users file exists, report and trace need one: its plants limit what they show."""
    if args.user:
        found = users.find_user(args.user)
        if found is None or found.disabled:
            raise ValueError(f"no enabled user {args.user!r} in the users file / 用户不存在或已停用")
        return found
    if users.configured() and args.command in ("report", "trace", "pack"):
        raise ValueError("sign-in is configured: name the user to run as with --user (or $BFI_USER) / 请用 --user 指定用户")
    return None


def _who(args, actor: User | None) -> str:
    """Who an audit entry names for a command: the --user, else the operating-system account."""
    return actor.login if actor else f"os:{getpass.getuser()}"


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _user_command(args) -> int:
    who = f"os:{getpass.getuser()}"
    path = users.users_path()
    if args.user_command == "list":
        rows = [{"login": u.login, "name": u.name, "role": u.role, "plants": list(u.plants), "email": u.email, "disabled": u.disabled}
                for u in users.load_users().values()]
        print(json.dumps({"file": str(path), "users": rows}, ensure_ascii=False, indent=2))
        return 0
    if args.user_command == "add":
        password = _password(args) if (args.password_stdin or not args.email) else None
        added = users.add_user(args.login, args.role, password, tuple(args.plant), args.name, args.email)
        audit.record(who, "user_add", added.login, {"role": added.role, "plants": list(added.plants), "email": added.email})
    elif args.user_command == "passwd":
        users.set_password(args.login, _password(args))
        audit.record(who, "user_passwd", args.login)
    else:
        users.set_disabled(args.login, args.user_command == "disable")
        audit.record(who, f"user_{args.user_command}", args.login)
    print(json.dumps({"ok": True, "user": args.login, "file": str(path)}))
    return 0


def _audit_command(args) -> int:
    if args.audit_command == "verify":
        result = audit.verify()
        print(json.dumps({**result, "store": str(audit.store_path())}, indent=2))
        return 0 if result["ok"] else 1
    frame = audit.entries(actor=args.actor, action=args.action, since=args.since, limit=args.limit)
    print(json.dumps(_records(frame), ensure_ascii=False, indent=2))
    return 0


def _read_command(args, engine, scope: Scope | None) -> int:
    """validate, trace or report; an error that is neither the database's nor the arguments' is
    a bug: exit 3 with its traceback (never 1, which means the data has problems, nor 2)."""
    try:
        if args.command == "validate":
            findings = validate_database(engine)
            gaps = find_schema_gaps(engine)
            print(json.dumps({"ok": findings.empty, **gaps, "findings": findings.to_dict(orient="records")},
                             ensure_ascii=False, indent=2))
            return 0 if findings.empty else 1
        if args.command == "trace":
            # another plant's record reads as absent: "not found", never "not permitted" (that would say it exists)
            result = trace_json(engine, args.key, scope.plants if scope is not None else ())
            if result is None:
                print(f"error: no voucher or work order {args.key!r}", file=sys.stderr)
                return 2
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return 0
        if args.command == "warnings":
            from reports.warnings import WarningSettings, month_warnings

            report = month_warnings(engine, scope, WarningSettings(min_cash=args.min_cash, anomaly=not args.no_anomaly))
            print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
            return 0
        if args.command == "report":
            settings = OeeSettings(planned_stops_count_as_loss=args.oee_planned_as_loss, target_oee=args.oee_target,
                                   bottleneck_margin=args.oee_bottleneck, convention=args.oee_convention,
                                   changeover_as=args.oee_changeover)
            wc = WorkingCapitalSettings(args.wc_basis, args.wc_days, args.wc_balance, args.wc_sales)
            try:
                report = kpi_report(engine, scope, settings, price_variance_basis=args.price_variance_basis, wc=wc)
            except MixedCurrencies as exc:  # plants of several currencies: never a mixed total (#15)
                return _report_per_plant(engine, scope, exc, _shown(args.db) if args.db else None)
            print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
            return 0
    except (sa.exc.SQLAlchemyError, DatabaseBusy):
        raise
    except Exception as exc:
        return _internal_error(args.command, exc)
    return 2


def _check_plants(engine, plants: tuple[str, ...]) -> None:
    """A ``--plant`` the database does not hold is refused (exit 2), never an all-zero report
    labelled in some currency. A database without plants (no table, or an empty one: records may
    still name plants) has nothing to check against."""
    if not plants:
        return
    try:
        known = q.load_plant_currencies(engine)
    except sa.exc.DBAPIError:
        return
    unknown = [p for p in plants if known and p not in known]
    if unknown:
        raise ValueError(f"no plant {', '.join(unknown)} (not found or not permitted) / 工厂不存在或无权查看")


def _report_per_plant(engine, scope: Scope, exc: MixedCurrencies, db: str | None = None) -> int:
    """A report scope whose plants use several currencies: no report (exit 2), but its plants side
    by side on stdout as JSON (``reports.currency.plant_figures``: per plant in its currency, a
    subtotal per currency of two or more plants, no grand total) with one command per currency,
    and on stderr the reason and those commands."""
    commands = []
    for plants in exc.groups.values():
        words = ["cli.py"] + (["--db", db] if db else []) + ["report"]  # the database as given, never its password
        words += ["--from", scope.period_from] if scope.period_from else []
        words += ["--to", scope.period_to] if scope.period_to else []
        for plant in plants:
            words += ["--plant", plant]
        for family in scope.families:
            words += ["--family", family]
        commands.append(shlex.join(words))
    figures = plant_figures(engine, scope)
    print(json.dumps({"error": "mixed_currencies", "message": str(exc), **figures, "commands": commands},
                     ensure_ascii=False, indent=2, default=str))
    print(f"error: {exc}; the plants are shown side by side on stdout; one report per currency:", file=sys.stderr)
    for command in commands:
        print(f"  {command}", file=sys.stderr)
    return 2


def _internal_error(command: str, exc: Exception) -> int:
    """A bug: its traceback and a line saying so on stderr; exit code 3."""
    traceback.print_exc()
    print(f"error: internal error in `{command}` (a bug, please report it): {type(exc).__name__}: {exc}", file=sys.stderr)
    return 3


def _month(text: str) -> str:
    from reports.pack import check_month

    try:
        return check_month(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from None


def _pack_command(args, engine, scope: Scope, actor: User | None) -> int:
    """Write the month-end pack; exit codes as in the module docstring."""
    from reports.pack import NoData, NotFound, pack_snapshot
    from ui.pack import quiet_bare_mode, write_pack

    quiet_bare_mode()
    try:
        snapshot, snapshot_id = pack_snapshot(engine, scope, args.month, snapshot_id=args.snapshot,
                                              created_by=_who(args, actor))
        try:
            result = write_pack(snapshot, args.out, args.lang, chromium=args.chromium)
        except OSError as exc:
            print(f"error: cannot write the pack to {args.out}: {exc}", file=sys.stderr)
            return 2
    except (NoData, NotFound) as exc:  # no data for the month: 1; an unknown plant or snapshot: 2
        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, NoData) else 2
    except (sa.exc.SQLAlchemyError, DatabaseBusy):
        raise
    except Exception as exc:
        return _internal_error("pack", exc)
    if result["charts_note"]:
        print(f"note: charts left out, tables only: {result['charts_note']}", file=sys.stderr)
    audit.record(_who(args, actor), "pack", args.month, {"snapshot_id": snapshot_id, "plants": list(scope.plants),
                                                         "lang": args.lang, "charts": result["charts"], "via": "cli"})
    print(json.dumps({"month": args.month, "plants": snapshot["plants"], "snapshot_id": snapshot_id, "lang": args.lang,
                      "as_of": snapshot.get("as_of"), **result}, ensure_ascii=False, indent=2))
    return 0


def _spark_command(args, url: str) -> int:
    """export-parquet (from a database the app writes) or spark-register (on a spark:// URL)."""
    from data_loaders import spark

    t0 = time.perf_counter()
    if args.command == "export-parquet":
        rows = spark.export_parquet(url, args.out)
        print(json.dumps({"database": _shown(url), "folder": str(Path(args.out).resolve()),
                          "seconds": round(time.perf_counter() - t0, 1), "rows": rows}, indent=2))
        return 0
    if not eng.is_spark(url):
        raise ValueError(f"spark-register needs a Spark URL (--db spark://host:10000/default), not {_shown(url)}")
    engine = eng.make_engine(url)
    try:
        tables = spark.register(engine, args.parquet)
        fact_rows = {} if args.no_facts else spark.derive_facts(engine, args.parquet)
    finally:
        engine.dispose()
    print(json.dumps({"database": _shown(url), "tables": sorted(tables), "facts": fact_rows,
                      "seconds": round(time.perf_counter() - t0, 1)}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cli.py", description="业财融合 analytics: build, import, validate, report")
    parser.add_argument("--db", help="SQLAlchemy URL (default: $BFI_DATABASE_URL or the embedded sample)")
    parser.add_argument("--user", default=os.environ.get("BFI_USER"),
                        help="run as this user of the users file (its plants limit report and trace; $BFI_USER); "
                             "needed for report and trace once sign-in is configured")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build-sample", help="generate the sample plant into the database")
    b.add_argument("--scale", type=float, default=1.0, help="1 = about 5,000 work orders and 186k voucher lines on 12 work centers; the plant grows in proportion (54 = about 10M lines, 70 = about 13M)")
    b.add_argument("--as-of", type=_date, default=None, help="last day of history + 1 (default: today)")
    b.add_argument("--yes", action="store_true", help="confirm replacing a database that holds imported data")
    b.add_argument("--wait", type=float, default=30.0, help="seconds to wait for another writer (default 30)")
    i = sub.add_parser("import", help="import a folder of CSV / Excel files (atomic)")
    i.add_argument("folder")
    i.add_argument("--mode", choices=["append", "replace"], default="append")
    i.add_argument("--yes", action="store_true", help="confirm --mode replace (needed when stdin is not a terminal)")
    i.add_argument("--wait", type=float, default=30.0, help="seconds to wait for another writer (default 30)")
    i.add_argument("--aggregate-duplicates", action="store_true",
                   help="budgets only: sum rows that share (version, period, cost center, account) instead of refusing them")
    i.add_argument("--profile", help="an import profile (TOML, or YAML named .yaml/.yml) saying how the source system's files become tables "
                                     "(docs/IMPORT_PROFILES.md; shipped ones in profiles/)")
    sub.add_parser("backups", help="list the backups of the DuckDB file as JSON (newest first)")
    rs = sub.add_parser("restore", help="restore a backup of the DuckDB file (the current file is backed up first)")
    which = rs.add_mutually_exclusive_group(required=True)
    which.add_argument("name", nargs="?", help="a backup name from `cli.py backups`")
    which.add_argument("--latest", action="store_true", help="the newest backup")
    rs.add_argument("--wait", type=float, default=30.0, help="seconds to wait for another writer (default 30)")
    rf = sub.add_parser("refresh-facts", help="derive the fact tables again (after a load that bypassed the importer)")
    rf.add_argument("--period", action="append", default=None, help="only these periods YYYY-MM (default: every period)")
    rf.add_argument("--wait", type=float, default=30.0, help="seconds to wait for another writer (default 30)")
    rf.add_argument("--keep-version", action="store_true",
                    help="keep the data version (the data did not change, e.g. new fact tables after an upgrade); by default a "
                         "new version is stamped with the facts, so that open apps drop the figures they cached before the load")
    us = sub.add_parser("user", help="manage the users who may sign in (the users file)")
    us_sub = us.add_subparsers(dest="user_command", required=True)
    ua = us_sub.add_parser("add", help="add a user (asks for a password, or --password-stdin, or --email for single sign-on only)")
    ua.add_argument("login")
    ua.add_argument("--role", choices=ROLES, required=True)
    ua.add_argument("--plant", action="append", default=[], help="a plant the user may see (repeat; none = every plant)")
    ua.add_argument("--name", default="")
    ua.add_argument("--email", default="", help="the e-mail the organisation's single sign-on reports for this user")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    up = us_sub.add_parser("passwd", help="set a user's password")
    up.add_argument("login")
    up.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "stop a user from signing in"), ("enable", "let a disabled user sign in again")):
        us_sub.add_parser(name, help=text).add_argument("login")
    us_sub.add_parser("list", help="the users as JSON (never the hashes)")
    au = sub.add_parser("audit", help="the audit trail: verify its hash chain, or list entries")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    au_sub.add_parser("verify", help="recompute the hash chain; exit 1 when an entry was altered, removed or inserted")
    al = au_sub.add_parser("list", help="entries as JSON, newest first")
    al.add_argument("--actor")
    al.add_argument("--action")
    al.add_argument("--since", help="YYYY-MM-DD")
    al.add_argument("--limit", type=int, default=100)
    ep = sub.add_parser("export-parquet", help="write the contract's tables as Parquet (one folder per table) for Spark")
    ep.add_argument("--out", required=True, help="the folder to write (docs/SCALE_OUT.md)")
    sr = sub.add_parser("spark-register", help="register exported Parquet tables on Spark (--db spark://…) and derive the facts there")
    sr.add_argument("--parquet", required=True, help="the folder written by export-parquet (a path the Spark cluster reads)")
    sr.add_argument("--no-facts", action="store_true", help="register the base tables only (pages then read the base tables)")
    sub.add_parser("validate", help="check every contract rule on the database")
    sub.add_parser("schema-doc", help="print the data contract as Markdown (docs/DATA_MODEL.md)")
    tr = sub.add_parser("trace", help="the lineage of a voucher or a work order as JSON")
    tr.add_argument("key", help="a voucher number (e.g. MI202603-00001) or a work order id (e.g. WO-2026-00417)")
    r = sub.add_parser("report", help="print the KPI report for a period range as JSON, in the plants' currency; plants "
                                      "of several currencies: their figures side by side per plant, one command per "
                                      "currency, exit code 2")
    r.add_argument("--from", dest="period_from", help="first period YYYY-MM")
    r.add_argument("--to", dest="period_to", help="last period YYYY-MM")
    r.add_argument("--plant", action="append", default=[])
    wn = sub.add_parser("warnings", help="print the early warnings of a period range as JSON (docs/WARNINGS.md)")
    wn.add_argument("--from", dest="period_from", help="first period YYYY-MM")
    wn.add_argument("--to", dest="period_to", help="last period YYYY-MM")
    wn.add_argument("--plant", action="append", default=[])
    wn.add_argument("--family", action="append", default=[])
    wn.add_argument("--min-cash", type=float, default=0.0, help="a forecast week closing below this is a funding gap (default 0)")
    wn.add_argument("--no-anomaly", action="store_true", help="leave out the anomaly models (rules only)")
    for sp in (r, tr, wn):
        sp.add_argument("--user", default=argparse.SUPPRESS, help="run as this user (same as the global --user)")
    r.add_argument("--family", action="append", default=[])
    r.add_argument("--oee-convention", choices=CONVENTIONS, default="vorne",
                   help="which stops are outside planned production time: vorne (oee.com, default), smrp, custom (the loss_classes table)")
    r.add_argument("--oee-changeover", choices=["availability", "schedule"], default="availability",
                   help="changeovers as an availability loss (default) or outside planned production time")
    r.add_argument("--oee-planned-as-loss", action="store_true",
                   help="planned stops, planned maintenance and no-order idle count as availability losses")
    r.add_argument("--oee-target", type=_fraction, default=0.85, help="target OEE for the capacity gain and improvement value (default 0.85)")
    r.add_argument("--oee-bottleneck", action="store_true", help="price the lost output of bottlenecks")
    r.add_argument("--price-variance-basis", choices=("usage", "purchase"), default="usage",
                   help="material price variance on quantity used (default) or at receipt on quantity purchased")
    r.add_argument("--wc-basis", choices=BASES, default="month", help="working capital per month, quarter or year (default month)")
    r.add_argument("--wc-days", choices=DAY_COUNTS, default="actual", help="day count: actual days, 30/360 or 365 (default actual)")
    r.add_argument("--wc-balance", choices=BALANCES, default="closing",
                   help="closing balances or the average (opening + closing) / 2 (default closing)")
    r.add_argument("--wc-sales", choices=SALES_BASES, default="revenue", help="DSO over revenue or credit sales (default revenue)")
    pk = sub.add_parser("pack", help="write the month-end pack: pack.xlsx, deck.pptx and deck.pdf (see docs/EXPORTS.md)")
    pk.add_argument("--month", type=_month, required=True, help="the month YYYY-MM")
    pk.add_argument("--out", required=True, help="the folder to write the three files into (created if missing)")
    pk.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the labels (default zh)")
    pk.add_argument("--plant", action="append", default=[], help="a plant (repeat; none = every plant the user may see)")
    pk.add_argument("--snapshot", type=int, default=None,
                    help="write the pack of this stored meeting snapshot (default: freeze a new one of the month and store it)")
    pk.add_argument("--chromium", default=None,
                    help="the Chrome/Chromium that renders the charts (default $BFI_CHROMIUM or /usr/bin/chromium)")
    pk.add_argument("--user", default=argparse.SUPPRESS, help="run as this user (same as the global --user)")
    args = parser.parse_args(argv)
    url = args.db or eng.configured_url()

    try:
        if args.command == "schema-doc":
            print(render_tables(), end="")
            return 0
        if args.command == "user":
            return _user_command(args)
        if args.command == "audit":
            return _audit_command(args)
        actor = _actor(args)
        _check_url(url)
        if args.command in ("build-sample", "import", "refresh-facts"):
            eng.refuse_writes(url, f"cannot {args.command} into {_shown(url)}")
        if args.command in ("export-parquet", "spark-register"):
            return _spark_command(args, url)
        if args.command == "build-sample":
            if _has_data(url) and _source(url) != "sample" and not _confirmed(
                    f"{_shown(url)} holds data that is not the sample (or cannot be read); replace it with the sample?", args.yes):
                return 2
            t0 = time.perf_counter()
            counts = build_sample(url, args.scale, args.as_of, lambda f, m: print(f"  {f:4.0%} {m}", file=sys.stderr), timeout=args.wait)
            audit.record(_who(args, actor), "build_sample", _shown(url), {"scale": args.scale, "via": "cli"})
            print(json.dumps({"database": _shown(url), "seconds": round(time.perf_counter() - t0, 1), "rows": counts}, indent=2))
            return 0
        if args.command == "import":
            profile = None
            if args.profile:
                try:
                    profile = load_profile(args.profile)
                except ProfileError as exc:  # checked before anything is asked or read
                    print(json.dumps({"ok": False, "profile": Path(args.profile).name, "total_problems": len(exc.problems),
                                      "problems": [{"file": p.file, "path": p.column, "value": p.value, "message": p.message}
                                                   for p in exc.problems]}, ensure_ascii=False, indent=2, default=str))
                    return 2
            if args.mode == "replace" and _has_data(url) and not _confirmed(
                    f"--mode replace deletes every row in {_shown(url)} and stores only the imported files.", args.yes):
                return 2
            report = import_folder(args.folder, url, args.mode, lock_timeout=args.wait,
                                   aggregate=("budgets",) if args.aggregate_duplicates else (), profile=profile)
            audit.record(_who(args, actor), "import", _shown(url), {"folder": Path(args.folder).name, "mode": args.mode, "ok": report.ok,
                                                                    "profile": Path(args.profile).name if args.profile else None,
                                                                    "rows": report.row_counts, "problems": report.total, "via": "cli"})
            print(json.dumps({"ok": report.ok, "rows": report.row_counts, "warnings": report.warnings, "total_problems": report.total,
                              "kinds": report.kinds_frame().to_dict(orient="records"),
                              "problems": report.problems_frame().to_dict(orient="records"),
                              **({} if report.ok or report.checked else {"not_checked_yet": NOT_CHECKED})}, ensure_ascii=False, indent=2))
            return 0 if report.ok else 1
        if args.command == "backups":
            frame = backup.list_backups(_embedded_path(url))
            print(json.dumps({"folder": str(backup.backups_dir(_embedded_path(url))), "keep": backup.keep_count(),
                              "backups": _records(frame)}, ensure_ascii=False, indent=2))
            return 0
        if args.command == "restore":
            t0 = time.perf_counter()
            result = backup.restore_backup(_embedded_path(url), None if args.latest else args.name, timeout=args.wait)
            audit.record(_who(args, actor), "restore", _shown(url), {**result, "via": "cli"})
            print(json.dumps({**result, "seconds": round(time.perf_counter() - t0, 1)}, ensure_ascii=False, indent=2))
            return 0
        if args.command == "refresh-facts":
            t0 = time.perf_counter()
            tables = refresh_facts(url, args.period, timeout=args.wait, new_version=not args.keep_version)
            print(json.dumps({"database": _shown(url), "seconds": round(time.perf_counter() - t0, 1), "tables": tables}, indent=2))
            return 0
        scope = (Scope(args.period_from, args.period_to, tuple(args.plant), tuple(args.family))
                 if args.command in ("report", "warnings") else None)
        if args.command == "pack":
            scope = Scope(plants=tuple(args.plant))
        if args.command in ("report", "trace", "warnings", "pack"):
            hidden = [p for p in (scope.plants if scope else ()) if actor and actor.plants and p not in actor.plants]
            if hidden:
                raise ValueError(f"no plant {', '.join(hidden)} (not found or not permitted) / 工厂不存在或无权查看")
            scope = access.restrict(scope or Scope(), actor)
        engine = eng.make_engine(url, read_only=True)
        _check_plants(engine, tuple(getattr(args, "plant", None) or ()))
        if args.command == "pack":
            return _pack_command(args, engine, scope, actor)
        return _read_command(args, engine, scope)
    except DatabaseBusy as exc:
        print(f"error: {_hide(str(exc), url)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {_hide(str(exc), url)}", file=sys.stderr)
        return 2
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unreachable"])[0]
        print(f"error: cannot use the database {_shown(url)}: {_hide(reason, url)}", file=sys.stderr)
        return 2
    except sa.exc.DBAPIError as exc:  # e.g. a table the contract needs is missing
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or [type(exc).__name__])[0]
        print(f"error: the database {_shown(url)} cannot answer: {_hide(reason, url)} "
              "(run `cli.py validate` to see what is missing)", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
