"""Compare two DuckDB files table by table, e.g. a build on main with a build on a branch:

    python3 benchmarks/compare_builds.py /tmp/a.duckdb /tmp/b.duckdb

Per table: the row count, per column the sum of DuckDB's ``hash()`` of every value (the same
bits in any row order: floats to the last bit, text exactly), and the exact sum of every whole
number and decimal column; then, apart, whether the rows are stored in the same order (a hash of
every row in ``rowid`` order). Also the indexes and the primary keys. ``dataset_info``'s version
stamps (new at every write) are left out. Exits 1 when any table's content differs.
"""

from __future__ import annotations

import sys

import duckdb

STAMPS = ("data_version", "data_version_at", "data_version_by", "facts_version")


def digest(path: str) -> tuple[dict, list, list]:
    con = duckdb.connect(path, read_only=True)
    try:
        out = {}
        names = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()
        for (table,) in names:
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                               "ORDER BY ordinal_position", [table]).fetchall()
            where = f" WHERE info_key NOT IN {STAMPS}" if table == "dataset_info" else ""
            exprs = ["count(*)"]
            for name, kind in cols:
                exprs.append(f'sum(hash("{name}"))::HUGEINT')
                if "DECIMAL" in kind or "INT" in kind:
                    exprs.append(f'sum("{name}")::VARCHAR')
            row = ", ".join(f'"{name}"' for name, _ in cols)
            exprs.append(f"md5(string_agg(hash({row})::VARCHAR, ',' ORDER BY rowid))")
            out[table] = con.execute(f'SELECT {", ".join(exprs)} FROM "{table}"{where}').fetchone()
        indexes = con.execute("SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY 1, 2").fetchall()
        keys = con.execute("SELECT table_name, constraint_type, constraint_column_names::VARCHAR FROM duckdb_constraints() "
                           "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY 1, 2, 3").fetchall()
        return out, indexes, keys
    finally:
        con.close()


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    (a, ia, ka), (b, ib, kb) = digest(sys.argv[1]), digest(sys.argv[2])
    differ, order = [], []
    for table in sorted(set(a) | set(b)):
        ra, rb = a.get(table), b.get(table)
        if ra is None or rb is None or ra[:-1] != rb[:-1]:
            differ.append(table)
            print(f"DIFFERS {table}: rows {ra and ra[0]} / {rb and rb[0]}")
        elif ra[-1] != rb[-1]:
            order.append(table)
    print(f"{len(a)} tables, {sum(r[0] for r in a.values()):,} rows: {len(differ)} differ in content")
    print(f"same rows stored in another order: {', '.join(order) or 'none'}")
    print(f"indexes equal: {ia == ib} ({len(ia)}); primary keys equal: {ka == kb} ({len(ka)})")
    return 1 if differ or ia != ib or ka != kb else 0


if __name__ == "__main__":
    sys.exit(main())
