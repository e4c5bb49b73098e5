"""Data: where the data comes from, what is in it, whether it holds together, and file import."""

import dataclasses

import streamlit as st

from ui import data
from ui.codes import localized_warning
from ui.i18n import column_label, t, table_label, tables_text
from ui.page import metric, open_page
from ui.tables import render_table
from ui.text import md
from ui.widgets import choice, widget_key

PER_KIND = 10  # problems of each kind shown on screen; the download holds every listed one
PREVIEW_ROWS = 20  # rows of each table in the import preview



def _drop_derivation(key: str, k: int) -> None:
    items = st.session_state.get(key, [])
    if 0 <= k < len(items):
        items.pop(k)


def render_derivations(i: int, table: str, sources: list[str], label=str) -> list[dict]:
    """The file's derivations (session state ``map_derive_{i}``): the list with a remove button
    each, then a derivation to add (its kind, its fields, a button); returns the list. ``label``
    names a source column on screen (第 3 列 for ``column 3``)."""
    key = f"map_derive_{i}"
    if key not in st.session_state:
        st.session_state[key] = []
    items = st.session_state[key]
    st.markdown(f"*{t('mapping_derive')}*", help=t("mapping_derive_help"))
    listed = st.container()  # filled below, once an addition of this run is in
    targets = [name for name, _ in data.contract_columns(table)]
    readable = sources + [c for c in data.mapping_derived(items) if c not in sources]  # a later one may read an earlier one

    def source_label(x: str) -> str:  # a file's column, or a contract column an earlier derivation wrote
        return label(x) if x in sources else column_label(x) if x in targets else x

    # labels made now, in this run's language (AppTest formats a multiselect's values after the run)
    readable_labels = {x: source_label(x) for x in readable}

    def pick(text, options, name, where, default=""):  # a column of the file (or derived), or a contract column
        shown = column_label if options is targets else source_label
        return choice("selectbox", text, [""] + list(options), lambda x: shown(x) if x else t("mapping_none"),
                      key=f"map_d_{i}_{op}_{name}", default=default if default in options else "", where=where)

    op = choice("selectbox", t("mapping_derive_add"), [""] + list(data.MAPPING_DERIVATIONS),
                lambda o: t(f"mapping_derive_op_{o}") if o else t("mapping_derive_pick"), key=f"map_dop_{i}", default="")
    if op:
        st.caption(t(f"mapping_derive_op_{op}_help"))
        left, mid, right = st.columns(3)
        fields: dict = {}
        if op == "concat":
            fields["from"] = left.multiselect(t("mapping_derive_from_many"), readable, format_func=readable_labels.get, key=f"map_d_{i}_{op}_from")
            fields["sep"] = mid.text_input(t("mapping_derive_sep"), key=f"map_d_{i}_{op}_sep")
        elif op == "sequence":
            fields["by"] = left.multiselect(t("mapping_derive_by"), readable, format_func=readable_labels.get, key=f"map_d_{i}_{op}_by")
        else:
            fields["from"] = pick(t("mapping_derive_amount") if op in ("sign", "debit_credit") else t("mapping_derive_from"),
                                  readable, "from", left)
        if op == "split":
            fields["sep"] = mid.text_input(t("mapping_derive_sep"), key=f"map_d_{i}_{op}_sep")
            # the parts in the order chosen; a language's own key: the labels are the contract's in that language
            fields["to"] = right.multiselect(t("mapping_derive_parts"), targets, format_func=column_label,
                                             key=widget_key(f"map_d_{i}_{op}_to"))
            fields["rest"] = right.checkbox(t("mapping_derive_rest"), value=True, key=f"map_d_{i}_{op}_rest")
        elif op == "sign":
            fields["indicator"] = pick(t("mapping_derive_indicator"), readable, "indicator", mid)
            fields["negative"] = mid.text_input(t("mapping_derive_negative"), key=f"map_d_{i}_{op}_negative")
            fields["positive"] = right.text_input(t("mapping_derive_positive"), key=f"map_d_{i}_{op}_positive")
            fields["to"] = pick(t("mapping_derive_to"), targets, "to", right)
        elif op == "debit_credit":
            fields["to"] = [pick(t("mapping_derive_debit_to"), targets, "debit_to", right, "debit_amount"),
                            pick(t("mapping_derive_credit_to"), targets, "credit_to", right, "credit_amount")]
            fields["indicator"] = pick(t("mapping_derive_indicator_optional"), readable, "indicator", mid)
            if fields["indicator"]:
                fields["debit"] = mid.text_input(t("mapping_derive_debit_values"), key=f"map_d_{i}_{op}_debit")
                fields["credit"] = mid.text_input(t("mapping_derive_credit_values"), key=f"map_d_{i}_{op}_credit")
        else:  # period, date, concat, sequence, copy: one contract column
            fields["to"] = pick(t("mapping_derive_to"), targets, "to", right if op in ("concat", "sequence") else mid)
        if st.button(t("mapping_derive_add_button"), key=f"map_dadd_{i}"):
            item, wrong = data.mapping_derivation(op, fields)
            if item is None:
                st.error(t("mapping_derive_invalid", problems=md("; ".join(wrong))))
            else:
                items.append(item)
    for k, item in enumerate(items):
        left, right = listed.columns([5, 1])
        left.text(f"{k + 1}. {data.mapping_derivation_text(item, source_label, column_label)}")  # names from the file: never Markdown
        right.button(t("mapping_derive_remove"), key=f"map_drm_{i}_{k}", on_click=_drop_derivation, args=(key, k))
    return list(items)


def render_mapping(files) -> object | None:
    """The mapping screen: per uploaded file the table, whether the first row is a header, the
    delimiter and encoding (a workbook: its sheet), the rows to skip and the decimal separator,
    per contract column its source column, a constant or a derivation, per source column a value
    map and the values to keep; returns the profile it makes (None: every file imports by its
    name)."""
    rules = []
    with st.expander(t("mapping_title")):
        st.caption(t("mapping_help"))
        for i, f in enumerate(files):
            g = data.guess_import(f.name, f.getvalue())
            st.markdown(f"**{md(f.name)}**")
            named = table_label(g.table) if g.table and g.table == data.table_named(f.name) else None
            # without a header row and a table's name, the table whose types the first row fits, columns in its order
            by_content = data.headerless_table(tuple(g.first_row)) if not g.table and not g.header else None
            # a file named after its table imports by name unless a table is chosen here
            table = choice("selectbox", t("mapping_table"), [""] + data.contract_tables(),
                           lambda x: table_label(x) if x else t("mapping_by_name") + (f": {named}" if named else ""),
                           key=f"map_table_{i}", default="" if named else (g.table or by_content or ""))
            if not table:
                continue
            workbook = data.is_workbook(f.name)
            left, mid, right = st.columns(3)
            header = left.checkbox(t("mapping_header"), value=g.header, key=f"map_header_{i}")
            delimiter = encoding = "auto"
            if not workbook:  # a workbook has cells, not a delimiter or an encoding
                delimiter = choice("selectbox", t("mapping_delimiter"), data.MAPPING_DELIMITERS, lambda d: t(f"mapping_delimiter_{d}"),
                                   key=f"map_delimiter_{i}", default="auto", where=mid)
                encoding = choice("selectbox", t("mapping_encoding"), data.MAPPING_ENCODINGS,
                                  lambda e: t("mapping_encoding_auto") if e == "auto" else e, key=f"map_encoding_{i}", default="auto",
                                  where=right)
            left, mid, right = st.columns(3)
            skip_rows = int(left.number_input(t("mapping_skip_rows"), min_value=0, max_value=10_000, step=1, value=0,
                                              key=f"map_skip_{i}", help=t("mapping_skip_rows_help")))
            decimal = choice("selectbox", t("mapping_decimal"), data.MAPPING_DECIMALS,
                             lambda d: t({"auto": "mapping_decimal_auto", ".": "mapping_decimal_point", ",": "mapping_decimal_comma"}[d]),
                             key=f"map_decimal_{i}", default="auto", where=mid)
            round_amounts = left.checkbox(t("mapping_round"), key=f"map_round_{i}", help=t("mapping_round_help"))
            sheet = ""
            if workbook:
                sheet = choice("selectbox", t("mapping_sheet"), [""] + data.sheet_names(f.name, f.getvalue()),
                               lambda x: x or t("mapping_sheet_all"), key=f"map_sheet_{i}", default="", where=right)
            stated = delimiter != "auto" or encoding != "auto" or skip_rows > 0 or bool(sheet)  # the first row read again as the user says
            row = data.first_row(f.name, f.getvalue(), delimiter, None if encoding == "auto" else encoding, skip_rows,
                                 sheet or None) if stated else g.first_row
            sources = list(row) if header else [f"column {k + 1}" for k in range(len(row))]
            # a file without a header row: its columns are "column 3" in the profile, 第 3 列 on a Chinese screen
            source_label = str if header else (lambda x: t("mapping_column_n", n=x.removeprefix("column ")))
            mapped = st.container()  # the contract's columns, drawn once this run's derivations are known
            derive = render_derivations(i, table, sources, source_label)
            written = set(data.mapping_derived(derive))
            columns, constants = {}, {}
            by_name = data.mapping_guess_columns(table, tuple(sources)) if header else {}
            for k, (name, required) in enumerate(data.contract_columns(table)):
                left, right = mapped.columns(2)
                label = t("mapping_required", column=column_label(name)) if required else column_label(name)
                if name in written:  # a derivation writes it: no source column, no constant
                    left.caption(f"{label}: {t('mapping_derived')}")
                    columns[name], constants[name] = "", ""
                    continue
                guessed = by_name.get(name, "")
                if table == by_content and not header and not stated and k < len(sources):
                    guessed = sources[k]
                columns[name] = choice("selectbox", label, [""] + sources, lambda x: source_label(x) if x else t("mapping_none"),
                                       key=f"map_{i}_{name}", default=guessed, where=left)
                constants[name] = right.text_input(t("mapping_constant"), key=f"map_const_{i}_{name}",
                                                   disabled=bool(columns[name]), label_visibility="visible")
                if columns[name]:
                    constants[name] = ""
            missing = data.mapping_missing(table, columns, constants, derive)
            if missing:
                mapped.caption(t("mapping_missing", columns=", ".join(column_label(c) for c in missing)))
            st.markdown(f"*{t('mapping_values')}*", help=t("mapping_values_help"))
            maps, keep = {}, {}
            for k, src in enumerate(sources):
                left, right = st.columns(2)
                maps[src] = left.text_input(t("mapping_map", column=md(source_label(src))), key=f"map_values_{i}_{k}")  # names from the file
                keep[src] = right.text_input(t("mapping_keep", column=md(source_label(src))), key=f"map_keep_{i}_{k}")
            rules.append({"file": f.name, "table": table, "header": header, "sources": sources,
                          "delimiter": delimiter if stated else g.delimiter, "columns": columns, "constants": constants,
                          "encoding": encoding, "maps": maps, "keep": keep, "skip_rows": skip_rows, "decimal": decimal,
                          "sheet": sheet, "derive": derive, "round_amounts": round_amounts})
        profile, mistakes = data.mapping_profile(rules)
        if not mistakes.empty:
            st.warning(t("mapping_invalid", n=len(mistakes)))
            render_table(mistakes, key="data_mapping_problems")
        elif profile is not None:
            st.caption(t("mapping_used"))
            text = data.profile_text(profile)
            st.code(text, language="toml")
            left, right = st.columns(2)
            left.download_button(t("mapping_save"), text, file_name="import_profile.toml", key="data_mapping_save")
            right.download_button(t("mapping_save_yaml"), data.profile_text(profile, "yaml"), file_name="import_profile.yaml",
                                  key="data_mapping_save_yaml")
    return profile


url, scope, currency = open_page("page_data", applies=())

info = data.dataset_info(url)
source = "source_external" if not data.is_embedded(url) else {"import": "source_import", "sample": "source_sample"}.get(
    info.get("source"), "source_unrecorded")  # a file no build or import of ours wrote: never "sample plant"
c1, c2, c3 = st.columns(3)
metric(c1, t("data_source"), t(source))
metric(c2, t("as_of"), info.get("as_of_date", "—"))
metric(c3, t("last_import"), info.get("last_import_at", t("never")))
st.caption(md(data.display_url(url)))

st.subheader(t("table_counts"))
stats = data.table_stats(url)
gone = list(stats.table_name[stats.is_missing])
if gone:
    st.warning(t("tables_missing", n=len(gone), tables=tables_text(gone)))
lacking = [f"{n}.{c}" for n, cols in data.schema_gaps(url)["missing_columns"].items() for c in cols]
if lacking:
    st.warning(t("columns_missing", columns=", ".join(lacking)))
# the file an import names after the table, beside the table's name in the reader's language
stats = stats.assign(table_label=stats.table_name.map(table_label), import_file=stats.table_name + ".csv")[
    ["table_label", "import_file", "n_rows", "date_from", "date_to"] + (["is_missing"] if gone else [])
    + (["missing_columns"] if lacking else [])]
limited = bool(data.user().plants)  # a plant-limited user sees their plants' orders, never company counts
if limited:  # row counts and date ranges are the whole company's: the table list and its gaps only
    stats = stats.drop(columns=["n_rows", "date_from", "date_to"])
    st.caption(t("table_counts_unlimited_only"))
render_table(stats, key="data_table_stats", export_name="table_counts", height=420)

st.subheader(t("validation"))
tie = data.wip_tie_summary(url) if not data.missing(url, data.WIP_TIE_TABLES) else None
if tie is not None and tie["n_orders"]:
    if not limited:
        st.caption(t("wip_tie_ok", n=f"{tie['n_orders']:,}", k=f"{tie['n_tied']:,}"))
    untied = data.wip_untied(url, scope.plants if limited else ())
    if not untied.empty:
        columns = ["work_order_id", "plant_id", "product_id", "status", "operations_amount", "ledger_wip_amount", "difference_amount"]
        by_plant = data.scope_currencies(url, dataclasses.replace(scope, plants=tuple(untied.plant_id.dropna().unique())))
        codes = sorted(set(by_plant.values()))
        if len(codes) > 1:  # plants of several currencies: each row says its own, the headers none
            untied = untied.assign(currency=untied.plant_id.map(by_plant))
            columns.insert(2, "currency")
        render_table(untied[columns], key="data_wip_untied", currency=None if len(codes) > 1 else (codes or [currency])[0],
                     export_name="wip_not_tied", drill=True)
if limited:
    st.info(t("validation_admins_only"))
elif st.button(t("run_validation"), key="data_run_validation"):
    st.session_state["data_validation_requested"] = True
if st.session_state.get("data_validation_requested") and not limited:
    findings = data.validation_findings(url)
    if findings.empty:
        st.success(t("validation_ok"))
    else:
        st.warning(t("validation_found", n=findings.check.nunique()))
        render_table(findings, key="data_findings", export_name="validation_findings")

st.subheader(t("import_files"))
if not data.is_embedded(url):
    st.info(t("import_readonly"))
elif not data.may_write():
    st.info(t("import_not_permitted"))
else:
    st.caption(t("import_help"))
    files = st.file_uploader(t("import_files"), type=["csv", "xlsx", "xlsm", "txt"], accept_multiple_files=True, key="data_upload")
    # shown once files are chosen, so the page has one file input until then
    profile_file = st.file_uploader(t("import_profile"), type=["toml", "yaml", "yml"], key="data_profile", help=t("import_profile_help")) if files else None
    profile = None
    if profile_file is not None:
        profile, mistakes = data.read_import_profile(profile_file.getvalue(), profile_file.name)
        if profile is None:
            st.error(t("import_profile_bad", n=len(mistakes)))
            render_table(mistakes, key="data_profile_problems")
        else:
            st.caption(t("import_profile_used", name=md(f"{profile.name} ({profile.source})")))
    elif files:
        profile = render_mapping(files)
    if st.button(t("import_preview"), key="data_preview_button", disabled=not files or (profile_file is not None and profile is None)):
        heads, preview = data.preview_import([(f.name, f.getvalue()) for f in files], profile, rows=PREVIEW_ROWS)
        for table, head in heads.items():
            st.caption(t("import_preview_table", table=md(table_label(table)), n=f"{preview.row_counts[table]:,}", k=len(head)))
            render_table(head, key=f"data_preview_{table}", currency=None)  # in its plants' currency, unknown before the import
        if not preview.ok:
            st.warning(t("import_preview_problems", n=f"{preview.total:,}"))
            render_table(preview.problems_frame(per_kind=PER_KIND), key="data_preview_problems")
    replace = st.toggle(t("mode_replace"), key="data_import_replace", help=t("mode_replace_help"))
    mode = "replace" if replace else "append"
    confirmed = not replace or st.checkbox(t("replace_confirm"), key="data_replace_confirm")
    if replace and not confirmed:
        st.caption(t("replace_needs_confirm"))
    if st.button(t("import_button"), key="data_import_button",
                 disabled=not files or not confirmed or (profile_file is not None and profile is None)):
        report = data.run_import(url, [(f.name, f.getvalue()) for f in files], mode, profile)
        st.session_state["data_last_report"] = report
    report = st.session_state.get("data_last_report")
    if report is not None:
        if report.ok:
            st.success(t("import_ok", n=f"{sum(report.row_counts.values()):,}"))
        else:
            kinds = report.kinds_frame()
            st.error(t("import_rejected", n=f"{report.total:,}", k=len(kinds)))
            if not report.checked:  # the total is what reading found: the checks that follow may find more
                st.caption(t("import_not_checked_yet"))
            st.markdown(f"**{t('import_kinds')}**")
            render_table(kinds[["message", "count", "listed"]], key="data_import_kinds")
            st.caption(t("import_first_of_kind", n=PER_KIND))
            render_table(report.problems_frame(per_kind=PER_KIND), key="data_import_problems")
            every = report.problems_frame()
            with st.expander(t("import_all_listed", n=f"{len(every):,}")):
                if report.total > len(every):
                    st.caption(t("import_some_unlisted", m=f"{data.MAX_PROBLEMS:,}", n=f"{report.total - len(every):,}"))
                render_table(every, key="data_import_all_problems", export_name="import_problems")
        if report.warnings:
            with st.expander(t("warnings_list")):
                for w in report.warnings:
                    st.text(localized_warning(w))  # file names and values from the upload: never Markdown

if data.is_embedded(url) and data.may_write():
    st.subheader(t("backups"))
    restored = st.session_state.pop("data_restored", None)
    if restored:
        st.success(t("restored", name=md(restored["restored"]), kept=md(restored["backup_of_current"] or "—")))
    data.render_backups(url, t, key="data")
