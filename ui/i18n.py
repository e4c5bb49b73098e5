"""Every user-facing label in Chinese and English.

``t("key")`` returns the label in the session's language (``st.session_state["lang"]``,
"zh" by default). Column labels come from the data contract's ``info`` where a column is
a contract column, and from ``COLUMN_LABELS`` for computed ones.
"""

from __future__ import annotations

import streamlit as st

from data_loaders import schema

LANGS = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("业财融合分析", "Business–finance analytics"),
    "lang": ("语言", "Language"),
    # navigation
    "nav_overview": ("总览", "Overview"),
    "nav_operations": ("运营", "Operations"),
    "nav_finance": ("财务", "Finance"),
    "nav_data": ("数据", "Data"),
    "page_overview": ("经营总览", "Management overview"),
    "page_production": ("生产与工单", "Production and work orders"),
    "page_ledger": ("总账与损益", "Ledger and P&L"),
    "page_data": ("数据管理", "Data management"),
    # filters
    "filters": ("筛选", "Filters"),
    "period_range": ("会计期间", "Periods"),
    "plants": ("工厂", "Plants"),
    "families": ("产品族", "Product families"),
    "all": ("全部", "All"),
    # generic
    "currency_note": ("金额单位：{currency}", "Amounts in {currency}"),
    "export_excel": ("导出 Excel", "Export to Excel"),
    "no_data": ("所选范围内没有数据。请放宽筛选条件。", "No data in the selected scope. Widen the filters."),
    "error_generic": ("出错了：{message}", "Something went wrong: {message}"),
    "error_database": ("无法读取数据库：{message}", "Cannot read the database: {message}"),
    "building_sample": ("首次启动：正在生成示例工厂数据…", "First start: building the sample plant…"),
    "built_sample": ("示例工厂已生成。", "The sample plant is ready."),
    "rows_shown": ("显示 {n} 行", "{n} rows shown"),
    # overview
    "kpi_revenue": ("营业收入", "Revenue"),
    "kpi_gross_profit": ("毛利", "Gross profit"),
    "kpi_gross_margin": ("毛利率", "Gross margin"),
    "kpi_variance": ("成本差异", "Cost variance"),
    "kpi_operating_profit": ("营业利润", "Operating profit"),
    "kpi_output": ("合格产量", "Good output"),
    "kpi_scrap": ("报废率", "Scrap rate"),
    "kpi_cash": ("银行存款", "Cash at bank"),
    "kpi_cash_help": ("截至 {date}", "as of {date}"),
    "kpi_variance_help": ("实际成本 − 标准成本；正数为不利差异", "actual − standard cost; positive is unfavorable"),
    "warnings": ("预警", "Warnings"),
    "no_warnings": ("当前范围没有预警。", "No warnings in this scope."),
    "warn_unbalanced": ("{n} 张凭证借贷不平衡", "{n} vouchers do not balance"),
    "warn_untied": ("{n} 张工单的账面在产品与业务成本不一致", "{n} work orders: ledger WIP differs from operations cost"),
    "chart_monthly_pnl": ("月度收入、毛利与成本差异", "Monthly revenue, gross profit and cost variance"),
    "series_revenue": ("收入", "Revenue"),
    "series_gross_profit": ("毛利", "Gross profit"),
    "series_variance": ("成本差异", "Cost variance"),
    "series_margin": ("毛利率", "Gross margin"),
    "axis_amount": ("金额（{currency}）", "Amount ({currency})"),
    "axis_period": ("期间", "Period"),
    "axis_qty": ("数量", "Quantity"),
    "axis_pct": ("比率", "Rate"),
    # production
    "chart_output": ("月度合格产量（按产品族）", "Monthly good output by product family"),
    "chart_scrap": ("月度报废率（按产品族）", "Monthly scrap rate by product family"),
    "work_orders": ("工单", "Work orders"),
    "work_orders_help": ("按计划开工日期倒序，最多 {n} 行。", "Newest planned start first, at most {n} rows."),
    "status": ("状态", "Status"),
    # ledger
    "pnl_table": ("月度损益", "Monthly profit and loss"),
    "trial_balance": ("科目余额表（本期发生额）", "Trial balance (movements in scope)"),
    "tb_totals": ("借方合计 {d}，贷方合计 {c}", "Total debits {d}, total credits {c}"),
    # data page
    "data_source": ("数据来源", "Data source"),
    "source_sample": ("内置示例工厂", "Sample plant"),
    "source_import": ("导入的文件", "Imported files"),
    "source_external": ("企业数据库（只读）", "Company database (read-only)"),
    "as_of": ("数据截止日", "As-of date"),
    "last_import": ("最近一次导入", "Last import"),
    "never": ("无", "never"),
    "table_counts": ("各表行数与日期范围", "Rows and date range per table"),
    "validation": ("数据校验", "Validation"),
    "run_validation": ("校验数据库", "Validate the database"),
    "validation_ok": ("全部校验通过：凭证借贷平衡，主键唯一，引用完整。", "All checks pass: vouchers balance, keys are unique, references resolve."),
    "validation_found": ("发现 {n} 类问题，详见下表。", "{n} kinds of problems found; see the table."),
    "wip_tie": ("工单在产品与业务成本核对", "Work-order WIP vs operations cost"),
    "wip_tie_ok": ("{n} 张工单中 {k} 张账实相符。", "{k} of {n} work orders tie to the cent."),
    "import_files": ("导入文件", "Import files"),
    "import_help": (
        "CSV（UTF-8 或 GBK）或 Excel 文件，文件名或工作表名为数据表名（如 voucher_lines.csv 或 凭证分录.csv）。可附 column_mapping.csv 映射列名。全部通过校验才会写入。",
        "CSV (UTF-8 or GBK) or Excel files named after a table (e.g. voucher_lines.csv or 凭证分录.csv), optionally with a column_mapping.csv. Nothing is stored unless every check passes.",
    ),
    "mode_replace": ("替换全部数据", "Replace all data"),
    "mode_replace_help": ("打开：导入的文件成为全部数据（示例数据被替换）。关闭：追加到现有数据，主键不得重复。",
                          "On: the imported files become the whole dataset (the sample is replaced). Off: append; keys must be new."),
    "import_button": ("校验并导入", "Validate and import"),
    "import_ok": ("导入成功：{n} 行。", "Imported {n} rows."),
    "import_rejected": ("导入被拒绝，未写入任何数据。请修正以下 {n} 个问题：", "Import rejected; nothing was stored. Fix these {n} problems:"),
    "import_readonly": ("当前连接的是外部数据库，应用只读不写。请在源系统中修改数据。", "The app reads a company database and never writes to it; change the data at its source."),
    "warnings_list": ("提示", "Notes"),
    # drill-down
    "page_vouchers": ("凭证追溯", "Voucher drill-down"),
    "page_reconciliation": ("业财对账", "Business–finance reconciliation"),
    "vx_search": ("查找凭证", "Find vouchers"),
    "vx_types": ("凭证类型", "Voucher types"),
    "vx_account": ("科目（含下级）", "Account (with sub-accounts)"),
    "vx_cost_center": ("成本中心（含下级）", "Cost center (with children)"),
    "vx_product": ("产品", "Product"),
    "vx_sources": ("来源单据类型", "Source document types"),
    "vx_amount_min": ("凭证金额下限", "Voucher amount from"),
    "vx_amount_max": ("凭证金额上限", "Voucher amount to"),
    "vx_text": ("凭证号或摘要包含", "Voucher number or description contains"),
    "vx_page": ("页码", "Page"),
    "vx_found": ("共 {n} 张凭证，第 {p}/{pages} 页。点选一行查看分录与来源单据。", "{n} vouchers, page {p} of {pages}. Select a row to see its lines and source documents."),
    "vx_none": ("没有符合条件的凭证。", "No voucher matches."),
    "vx_voucher": ("凭证 {v}", "Voucher {v}"),
    "vx_not_found": ("找不到凭证 {v}。", "There is no voucher {v}."),
    "vx_lines": ("分录（点选一行查看来源单据）", "Lines (select one to open its source document)"),
    "vx_balanced": ("借贷平衡", "Balanced"),
    "vx_unbalanced": ("借贷不平衡：差额 {d}", "Does not balance: difference {d}"),
    "vx_source": ("来源单据：{t} {i}", "Source document: {t} {i}"),
    "vx_no_source": ("这一行没有来源单据（手工或纯财务凭证）。", "This line has no source document (a manual or finance-only entry)."),
    "vx_missing_source": ("来源单据 {t} {i} 不存在：引用断裂。", "Source document {t} {i} does not exist: a broken reference."),
    "vx_clear": ("清除", "Clear"),
    "vx_link_help": ("可复制的链接：", "Link to share:"),
    "wo_search": ("查找工单（工单号、产品编码或名称）", "Find a work order (number, product code or name)"),
    "wo_title": ("工单 {w}", "Work order {w}"),
    "wo_not_found": ("找不到工单 {w}。", "There is no work order {w}."),
    "wo_rollup": ("成本核对：业务记录 vs 标准 vs 账面", "Cost: operations vs standard vs ledger"),
    "wo_rollup_help": ("标准 = 标准单位成本 × 合格数；差异 = 实际 − 标准（正数为不利）；未入账 = 业务成本 − 账面在产品。",
                       "Standard = standard unit cost × good quantity; variance = actual − standard (positive is unfavorable); not posted = operations − ledger WIP."),
    "wo_completion": ("完工入库凭证：库存商品 {fg}，成本差异 {var}", "Completion voucher: finished goods {fg}, cost variance {var}"),
    "wo_no_completion": ("工单已完工，但没有完工入库凭证。", "The order is completed but has no completion voucher."),
    "wo_unposted": ("业务成本中有 {a} 未入账。", "{a} of operational cost never reached the ledger."),
    "wo_materials": ("材料：实际 vs 物料清单标准", "Material: actual vs BOM standard"),
    "wo_vouchers": ("该工单产生的全部凭证分录", "Every voucher line this work order produced"),
    "wo_labor": ("工时", "Labor"),
    "wo_events": ("设备事件", "Machine events"),
    "wo_output": ("报工", "Output"),
    "wo_moves": ("领退料", "Material moves"),
    "wo_planned": ("计划", "Planned"),
    "wo_completed": ("合格", "Good"),
    "wo_scrap": ("报废", "Scrap"),
    "chart_events": ("设备状态时间线", "Machine state timeline"),
    # reconciliation
    "rc_tolerance": ("差额容差（{currency}）", "Tolerance ({currency})"),
    "rc_completeness": ("入账完整率", "Posting completeness"),
    "rc_completeness_help": ("已生成凭证的业务成本（材料、人工、制造费用）÷ 全部业务成本", "operational cost (material, labor, overhead) with a voucher ÷ all operational cost"),
    "rc_unposted_cost": ("未入账的业务成本", "Operational cost not posted"),
    "rc_no_completion": ("已完工未入库", "Completed, no completion voucher"),
    "rc_cost_differs": ("账实不符工单", "Work orders: ledger ≠ operations"),
    "rc_no_source": ("无来源单据的成本分录", "Cost lines with no source"),
    "rc_missing_source": ("来源单据不存在的分录", "Lines whose source is missing"),
    "rc_docs_no_voucher": ("未生成凭证的业务单据", "Documents with no voucher"),
    "rc_all_clear": ("本范围内业务与财务一致。", "Operations and finance agree in this scope."),
    "rc_chart": ("月度入账完整率（按工厂）", "Monthly posting completeness by plant"),
    "open": ("打开", "Open"),
    "component_material": ("直接材料", "Direct material"),
    "component_labor": ("直接人工", "Direct labor"),
    "component_overhead": ("制造费用", "Overhead"),
    "component_total": ("合计", "Total"),
}

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "table_name": ("数据表", "Table"),
    "table_label": ("名称", "Name"),
    "n_rows": ("行数", "Rows"),
    "date_from": ("起始日期", "From"),
    "date_to": ("截止日期", "To"),
    "check": ("校验项", "Check"),
    "column_name": ("列", "Column"),
    "row_key": ("行主键", "Row key"),
    "value": ("值", "Value"),
    "message": ("说明", "Message"),
    "file": ("文件", "File"),
    "row": ("行号", "Row"),
    "column": ("列", "Column"),
    "revenue_amount": ("收入", "Revenue"),
    "cost_of_sales_amount": ("销售成本(标准)", "Cost of sales (standard)"),
    "variance_amount": ("成本差异", "Cost variance"),
    "gross_profit_amount": ("毛利", "Gross profit"),
    "gross_margin_pct": ("毛利率", "Gross margin"),
    "overhead_amount": ("制造费用未分配", "Overhead not absorbed"),
    "expense_amount": ("期间费用", "Period expenses"),
    "operating_profit_amount": ("营业利润", "Operating profit"),
    "debit_amount": ("借方", "Debit"),
    "credit_amount": ("贷方", "Credit"),
    "net_amount": ("净额(借−贷)", "Net (debit − credit)"),
    "n_lines": ("分录数", "Lines"),
    "account_label": ("科目", "Account"),
    "category": ("分类", "Category"),
    "good_qty": ("合格数", "Good qty"),
    "scrap_qty": ("报废数", "Scrap qty"),
    "scrap_pct": ("报废率", "Scrap rate"),
    "family": ("产品族", "Family"),
    "product_name": ("产品名称", "Product"),
    "status": ("状态", "Status"),
    "operations_amount": ("业务成本", "Operations cost"),
    "ledger_wip_amount": ("账面在产品借方", "Ledger WIP charged"),
    "difference_amount": ("差额", "Difference"),
    "total_amount": ("凭证金额", "Voucher amount"),
    "component": ("成本项目", "Component"),
    "standard_amount": ("标准成本", "Standard cost"),
    "ledger_charged_amount": ("账面在产品借方", "Ledger WIP charged"),
    "ledger_relieved_amount": ("完工转出", "Relieved at completion"),
    "unposted_amount": ("未入账", "Not posted"),
    "std_qty": ("标准用量", "Standard qty"),
    "actual_qty": ("实际用量", "Actual qty"),
    "issued_qty": ("领料数", "Issued qty"),
    "returned_qty": ("退料数", "Returned qty"),
    "actual_price": ("实际均价", "Actual price"),
    "std_amount": ("标准金额", "Standard amount"),
    "actual_amount": ("实际金额", "Actual amount"),
    "price_variance_amount": ("价格差异", "Price variance"),
    "usage_variance_amount": ("用量差异", "Usage variance"),
    "completeness_pct": ("入账完整率", "Completeness"),
    "posted_amount": ("已入账", "Posted"),
    "document_id": ("单据号", "Document"),
    "document_date": ("单据日期", "Date"),
    "amount": ("金额", "Amount"),
    "duration_s": ("时长(秒)", "Duration (s)"),
    "account_name": ("科目名称", "Account"),
    "cost_center_name": ("成本中心", "Cost center"),
    "voucher_link": ("凭证", "Voucher"),
    "work_order_link": ("工单", "Work order"),
    "field": ("字段", "Field"),
}


def lang() -> str:
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def t(key: str, **kwargs) -> str:
    """The label for ``key`` in the session language, formatted with ``kwargs``."""
    zh, en = LABELS[key]
    text = zh if lang() == "zh" else en
    return text.format(**kwargs) if kwargs else text


def column_label(name: str) -> str:
    """A column's display label: computed-column labels, then the data contract's."""
    idx = 0 if lang() == "zh" else 1
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name][idx]
    for table in schema.CONTRACT_TABLES:
        if name in table.c:
            info = table.c[name].info
            return info["zh"] if idx == 0 else info["en"]
    return name


def table_label(name: str) -> str:
    table = schema.metadata.tables.get(name)
    if table is None:
        return name
    return table.info.get("zh", name) if lang() == "zh" else name.replace("_", " ")
