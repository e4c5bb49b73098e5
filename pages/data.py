"""Data: where the data comes from, what is in it, whether it holds together, and file import."""

import streamlit as st

from ui import data
from ui.i18n import column_label, t, table_label
from ui.page import metric, open_page
from ui.tables import render_table
from ui.text import md
from ui.widgets import choice

PER_KIND = 10  # problems of each kind shown on screen; the download holds every listed one
PREVIEW_ROWS = 20  # rows of each table in the import preview



def render_mapping(files) -> object | None:
    """The mapping screen: per uploaded file the table, whether the first row is a header, the
    delimiter and encoding, per contract column its source column or a constant, and per source
    column a value map and the values to keep; returns the profile it makes (None: every file
    imports by its name)."""
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
            left, mid, right = st.columns(3)
            header = left.checkbox(t("mapping_header"), value=g.header, key=f"map_header_{i}")
            delimiter = choice("selectbox", t("mapping_delimiter"), data.MAPPING_DELIMITERS, lambda d: t(f"mapping_delimiter_{d}"),
                               key=f"map_delimiter_{i}", default="auto", where=mid)
            encoding = choice("selectbox", t("mapping_encoding"), data.MAPPING_ENCODINGS,
                              lambda e: t("mapping_encoding_auto") if e == "auto" else e, key=f"map_encoding_{i}", default="auto",
                              where=right)
            stated = delimiter != "auto" or encoding != "auto"  # the first row read again as the user says
            row = data.first_row(f.name, f.getvalue(), delimiter, None if encoding == "auto" else encoding) if stated else g.first_row
            sources = list(row) if header else [f"column {k + 1}" for k in range(len(row))]
            columns, constants = {}, {}
            for k, (name, required) in enumerate(data.contract_columns(table)):
                left, right = st.columns(2)
                label = t("mapping_required", column=column_label(name)) if required else column_label(name)
                guessed = g.columns.get(name, "") if header and g.table == table and not stated else ""
                if table == by_content and not header and not stated and k < len(sources):
                    guessed = sources[k]
                columns[name] = choice("selectbox", label, [""] + sources, lambda x: x or t("mapping_none"),
                                       key=f"map_{i}_{name}", default=guessed, where=left)
                constants[name] = right.text_input(t("mapping_constant"), key=f"map_const_{i}_{name}",
                                                   disabled=bool(columns[name]), label_visibility="visible")
                if columns[name]:
                    constants[name] = ""
            st.markdown(f"*{t('mapping_values')}*", help=t("mapping_values_help"))
            maps, keep = {}, {}
            for k, src in enumerate(sources):
                left, right = st.columns(2)
                maps[src] = left.text_input(t("mapping_map", column=md(src)), key=f"map_values_{i}_{k}")  # names from the file
                keep[src] = right.text_input(t("mapping_keep", column=md(src)), key=f"map_keep_{i}_{k}")
            rules.append({"file": f.name, "table": table, "header": header, "sources": sources,
                          "delimiter": delimiter if stated else g.delimiter, "columns": columns, "constants": constants,
                          "encoding": encoding, "maps": maps, "keep": keep})
        profile, mistakes = data.mapping_profile(rules)
        if not mistakes.empty:
            st.warning(t("mapping_invalid", n=len(mistakes)))
            render_table(mistakes, key="data_mapping_problems")
        elif profile is not None:
            st.caption(t("mapping_used"))
            text = data.profile_text(profile)
            st.code(text, language="toml")
            st.download_button(t("mapping_save"), text, file_name="import_profile.toml", key="data_mapping_save")
    return profile


url, scope, currency = open_page("page_data", applies=())

info = data.dataset_info(url)
source = "source_external" if not data.is_embedded(url) else ("source_import" if info.get("source") == "import" else "source_sample")
c1, c2, c3 = st.columns(3)
metric(c1, t("data_source"), t(source))
metric(c2, t("as_of"), info.get("as_of_date", "—"))
metric(c3, t("last_import"), info.get("last_import_at", t("never")))
st.caption(md(data.display_url(url)))

st.subheader(t("table_counts"))
stats = data.table_stats(url)
gone = list(stats.table_name[stats.is_missing])
if gone:
    st.warning(t("tables_missing", n=len(gone), tables=", ".join(gone)))
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
        render_table(untied[["work_order_id", "plant_id", "product_id", "status", "operations_amount", "ledger_wip_amount",
                             "difference_amount"]], key="data_wip_untied", currency=currency, export_name="wip_not_tied", drill=True)
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
    profile_file = st.file_uploader(t("import_profile"), type=["toml"], key="data_profile", help=t("import_profile_help")) if files else None
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
            render_table(head, key=f"data_preview_{table}")
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
                    st.text(w)  # file names and values from the upload: never Markdown

if data.is_embedded(url) and data.may_write():
    st.subheader(t("backups"))
    restored = st.session_state.pop("data_restored", None)
    if restored:
        st.success(t("restored", name=md(restored["restored"]), kept=md(restored["backup_of_current"] or "—")))
    data.render_backups(url, t, key="data")
