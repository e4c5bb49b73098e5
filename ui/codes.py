"""Code values as labels in the session language: one table of codes, one translation.

Data keeps its codes (``breakdown``, ``BD-ELECTRIC``, ``material_issue``, ``F``); screens show
labels. ``translate_codes(frame)`` is the single place that turns the values of every known
code column into labels, so a Chinese screen shows no English code and an English screen no
Chinese label. Figures use ``code_labels(column, values)`` for their axes and legends.

Conventions:

* ``CODE_COLUMNS`` maps a column name to its codes, each with a (zh, en) label. A column name
  means the same thing in every frame (``status`` holds the statuses of work orders, sales and
  purchase orders and vouchers alike). Labels that ``ui.i18n`` already holds are reused from it.
* Unknown values come back unchanged; a column whose values are all unknown is left as it is
  (its dtype too). Missing values stay missing in frames and become "" in ``code_label``.
* Master-data names are bilingual in the sample ("球阀 Ball valve DN15"): Chinese screens keep
  both, English screens show the English part (``localized_name``), for the ``NAME_COLUMNS``.
* Keys, never labels, travel between pages (see ``ui.panels``): translate a copy for display
  only, after every filter and join, and never feed translated values back into a query.
  Plotly's waterfall ``measure`` column is deliberately not a code column.

Every function takes an optional ``language`` ("zh" or "en"); ``None`` means the session's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ui import i18n


def _labels(prefix: str, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Codes whose labels ``ui.i18n.LABELS`` holds as ``prefix + code``."""
    return {code: i18n.LABELS[f"{prefix}{code}"] for code in codes}


MACHINE_STATES: dict[str, tuple[str, str]] = {
    "running": ("运行", "Running"),
    "reduced_speed": ("降速运行", "Reduced speed"),
    "minor_stop": ("小停机", "Minor stop"),
    "setup": ("换型调机", "Setup"),
    "breakdown": ("故障停机", "Breakdown"),
    "planned_stop": ("计划停机", "Planned stop"),
    "idle": ("空闲待料", "Idle"),
}

# The sample's reason codes; the prefix names the state (BD breakdown, SU setup, MS minor stop,
# RS reduced speed, PS planned stop, ID idle).
REASON_CODES: dict[str, tuple[str, str]] = {
    "BD-ELECTRIC": ("故障停机-电气故障", "Breakdown - electrical"),
    "BD-HYDRAULIC": ("故障停机-液压故障", "Breakdown - hydraulic"),
    "BD-MECHANICAL": ("故障停机-机械故障", "Breakdown - mechanical"),
    "BD-TOOLING": ("故障停机-模具工装故障", "Breakdown - tooling"),
    "SU-CHANGEOVER": ("换型调机-产品换型", "Setup - changeover"),
    "SU-ADJUST": ("换型调机-参数调整", "Setup - adjustment"),
    "MS-JAM": ("小停机-卡料", "Minor stop - jam"),
    "MS-SENSOR": ("小停机-传感器报警", "Minor stop - sensor"),
    "MS-MATERIAL": ("小停机-供料中断", "Minor stop - material supply"),
    "RS-WEAR": ("降速-设备磨损", "Reduced speed - wear"),
    "RS-MATERIAL": ("降速-材料问题", "Reduced speed - material"),
    "PS-MAINTENANCE": ("计划停机-计划保养", "Planned stop - maintenance"),
    "PS-CLEANING": ("计划停机-清洁", "Planned stop - cleaning"),
    "ID-NO-ORDER": ("空闲-无订单", "Idle - no order"),
}

OEE_LOSSES = _labels("loss_", ("breakdown", "setup", "planned_maintenance", "planned_stops", "no_orders", "small_stops", "reduced_speed",
                                "startup_rejects", "production_rejects"))

# analytics.oee.STOP_KINDS and LOSS_CLASSES: how a stop is classed under the site's OEE convention
STOP_KINDS: dict[str, tuple[str, str]] = {
    "breakdown": ("故障停机", "Breakdown"),
    "changeover": ("换型", "Changeover"),
    "adjustment": ("调整", "Adjustment"),
    "minor_stop": ("小停机", "Minor stop"),
    "planned_maintenance": ("计划保养", "Planned maintenance"),
    "planned_stop": ("计划停机（休息、清洁）", "Planned stop (breaks, cleaning)"),
    "no_orders": ("无订单空闲", "Idle, no orders"),
}
LOSS_CLASSES: dict[str, tuple[str, str]] = {
    "availability": ("可用率损失", "Availability loss"),
    "schedule": ("计划外（不计入计划生产时间）", "Outside planned production time"),
    "performance": ("性能损失（小停机）", "Performance loss (small stop)"),
}

SOURCE_DOC_TYPES: dict[str, tuple[str, str]] = {
    "material_issue": ("领料单", "Material issue"),
    "labor_log": ("工时记录", "Labor log"),
    "work_order": ("生产工单", "Work order"),
    "completion": ("完工入库", "Completion"),
    "sales_invoice": ("销售发票", "Sales invoice"),
    "customer_receipt": ("客户收款", "Customer receipt"),
    "supplier_invoice": ("采购发票", "Supplier invoice"),
    "supplier_payment": ("供应商付款", "Supplier payment"),
    "none": ("无来源单据", "No source document"),  # the voucher search's "no source" choice
}

# Statuses of work orders, sales and purchase orders and vouchers (one meaning per word).
STATUSES: dict[str, tuple[str, str]] = {
    "planned": ("计划", "Planned"),
    "released": ("已下达", "Released"),
    "in_progress": ("生产中", "In progress"),
    "completed": ("已完工", "Completed"),
    "open": ("未结", "Open"),
    "invoiced": ("已开票", "Invoiced"),
    "received": ("已收货", "Received"),
    "closed": ("已关闭", "Closed"),
    "cancelled": ("已取消", "Cancelled"),
    "posted": ("已记账", "Posted"),
    "draft": ("草稿", "Draft"),
    "reversed": ("已冲销", "Reversed"),
}

ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
    "asset": ("资产", "Asset"),
    "liability": ("负债", "Liability"),
    "equity": ("所有者权益", "Equity"),
    "revenue": ("收入", "Revenue"),
    "expense": ("成本费用", "Expense"),
}

ACCOUNT_CATEGORIES: dict[str, tuple[str, str]] = {
    "cash": ("货币资金", "Cash"),
    "receivables": ("应收账款", "Receivables"),
    "raw_materials": ("原材料", "Raw materials"),
    "finished_goods": ("库存商品", "Finished goods"),
    "wip": ("在产品", "Work in process"),
    "fixed_assets": ("固定资产", "Fixed assets"),
    "payables": ("应付账款", "Payables"),
    "payroll": ("应付职工薪酬", "Payroll"),
    "equity": ("所有者权益", "Equity"),
    "revenue": ("营业收入", "Revenue"),
    "cost_of_sales": ("营业成本", "Cost of sales"),
    "variance": ("成本差异", "Cost variance"),
    "overhead": ("制造费用", "Manufacturing overhead"),
    "overhead_applied": ("已分配制造费用", "Overhead applied"),
    "expense": ("期间费用", "Period expenses"),
    "other": ("其他", "Other"),
}

# Voucher types (凭证字) of the posting rules in sample_data.posting.
VOUCHER_TYPES: dict[str, tuple[str, str]] = {
    "OB": ("期初余额", "Opening balances"),
    "MI": ("生产领料", "Material issue"),
    "LB": ("直接人工", "Direct labor"),
    "OH": ("制造费用分配", "Overhead absorbed"),
    "FG": ("完工入库", "Completion"),
    "SA": ("销售", "Sales"),
    "RC": ("客户收款", "Customer receipt"),
    "PI": ("采购发票", "Supplier invoice"),
    "PY": ("供应商付款", "Supplier payment"),
    "EX": ("费用", "Expenses"),
    "PR": ("工资发放", "Payroll paid"),
    "MJ": ("手工凭证", "Manual journal"),
}

BUDGET_VERSIONS: dict[str, tuple[str, str]] = {
    "original": ("原始预算", "Original"),
    "revised": ("调整预算", "Revised"),
    "forecast": ("滚动预测", "Forecast"),
}

LINE_TYPES: dict[str, tuple[str, str]] = {
    "revenue": i18n.LABELS["kpi_budget_revenue"],
    "cost": i18n.LABELS["kpi_budget_costs"],
}

FAV_UNFAV: dict[str, tuple[str, str]] = {
    "F": ("有利", "Favorable"),
    "U": ("不利", "Unfavorable"),
}

WARNING_LEVELS: dict[str, tuple[str, str]] = {
    "alert": ("超支", "Over budget"),
    "warn": ("预警", "Warning"),
    "pace": ("超进度", "Ahead of pace"),
    "ok": ("正常", "OK"),
}

CASH_DIRECTIONS: dict[str, tuple[str, str]] = {
    "in": ("流入", "Inflow"),
    "out": ("流出", "Outflow"),
}

# Cash event sources share the labels of the cash bridge's columns (in_*_amount / out_*_amount).
CASH_SOURCES: dict[str, tuple[str, str]] = {
    **{s: i18n.COLUMN_LABELS[f"in_{s}_amount"] for s in ("receivables", "open_sales_orders", "planned_sales")},
    **{s: i18n.COLUMN_LABELS[f"out_{s}_amount"] for s in ("payables", "open_purchase_orders", "planned_materials", "payroll", "overheads")},
}

COST_COMPONENTS = _labels("component_", ("material", "labor", "overhead", "total"))

OEE_FACTORS: dict[str, tuple[str, str]] = {
    "availability": i18n.LABELS["kpi_availability"],
    "performance": i18n.LABELS["kpi_performance"],
    "quality": i18n.LABELS["kpi_quality"],
}

# Steps of the OEE time waterfall and of the profit bridges (analytics.oee / analytics.profitability
# / analytics.budget); the budget bridge's other steps are account labels, not codes.
STEPS: dict[str, tuple[str, str]] = {
    **_labels("wf_", ("calendar", "unrecorded", "no_orders", "planned_stops", "planned_maintenance", "changeover", "excluded", "planned_production", "availability_loss", "run", "performance_loss",
                      "net_run", "quality_loss", "fully_productive")),
    **_labels("bridge_", ("start", "end", "price", "volume", "mix", "revenue", "standard_cost", "material_cost",
                          "conversion_cost", "oee_losses", "scrap")),
}

VALIDATION_CHECKS: dict[str, tuple[str, str]] = {
    "missing_table": ("缺少数据表", "Missing table"),
    "missing_column": ("缺少列", "Missing column"),
    "duplicate_key": ("主键重复", "Duplicate key"),
    "orphan_reference": ("引用不存在", "Broken reference"),
    "negative_value": ("出现负数", "Negative value"),
    "unbalanced_voucher": ("凭证借贷不平衡", "Unbalanced voucher"),
    "period_mismatch": ("分录期间与凭证不一致", "Line period differs from voucher"),
    "ideal_cycle_not_once": ("理想节拍未填或填了多项", "Ideal cycle missing or given twice"),
}

OEE_PROBLEMS: dict[str, tuple[str, str]] = {
    "performance_over_100": ("性能率超过 100%", "Performance above 100 %"),
    "time_not_covered": ("时间未被事件覆盖", "Time without events"),
    "overlapping_events": ("设备事件重叠", "Overlapping events"),
    "event_outside_calendar": ("事件不在工作日历内", "Event outside the calendar"),
    "output_without_running_time": ("报工无运行时间", "Output without running time"),
}

# analytics.oee.SHIFTS: shift 0, 1, 2 cover 00-08, 08-16, 16-24; pages show the hours as shift_label.
SHIFTS: dict[int, tuple[str, str]] = {
    0: ("夜班 00–08", "Night 00–08"),
    1: ("早班 08–16", "Day 08–16"),
    2: ("中班 16–24", "Evening 16–24"),
}

MATERIAL_MOVES: dict[str, tuple[str, str]] = {
    "issue": ("领料", "Issue"),
    "return": ("退料", "Return"),
}

FORECAST_MODELS: dict[str, tuple[str, str]] = {
    "naive": ("朴素（上期值）", "Naive (last value)"),
    "seasonal_naive": ("季节朴素（上一季同期）", "Seasonal naive (a season earlier)"),
    "ar1": ("AR(1) 自回归", "AR(1)"),
    "ets_none_none": ("指数平滑（无趋势、无季节）", "ETS (no trend, no season)"),
    "ets_damped_none": ("指数平滑（阻尼趋势）", "ETS (damped trend)"),
    "ets_none_add": ("指数平滑（加法季节）", "ETS (additive season)"),
    "ets_add_add": ("指数平滑（趋势 + 加法季节）", "ETS (trend, additive season)"),
    "ets_damped_add": ("指数平滑（阻尼趋势 + 加法季节）", "ETS (damped trend, additive season)"),
    "ets_add_mul": ("指数平滑（趋势 + 乘法季节）", "ETS (trend, multiplicative season)"),
    "ets_damped_mul": ("指数平滑（阻尼趋势 + 乘法季节）", "ETS (damped trend, multiplicative season)"),
    "run_rate": ("月均", "Run rate"),
    "remaining_budget": ("剩余按预算", "Rest on budget"),
}

CODE_COLUMNS: dict[str, dict] = {
    "state": {**MACHINE_STATES, "quality": i18n.LABELS["wf_quality_loss"]},  # the Pareto's pseudo-state for rejects
    "reason_code": REASON_CODES,
    # the loss Pareto's reason: a reason code, a computed loss, or the state of an event without a code
    "reason": {**MACHINE_STATES, **REASON_CODES, **OEE_LOSSES},
    "loss": OEE_LOSSES,
    "loss_kind": STOP_KINDS,
    "loss_class": LOSS_CLASSES,
    "source_doc_type": SOURCE_DOC_TYPES,
    "status": STATUSES,
    "account_type": ACCOUNT_TYPES,
    # forecast candidates (analytics/forecast.py): the baseline's scores, its backtest, the landing
    "candidate": FORECAST_MODELS, "chosen": FORECAST_MODELS, "forecast_model": FORECAST_MODELS,
    "cost_behavior": {"variable": ("变动", "Variable"), "fixed": ("固定", "Fixed")},  # overhead accounts' behaviour
    "category": ACCOUNT_CATEGORIES,
    "voucher_type": VOUCHER_TYPES,
    "version": BUDGET_VERSIONS,
    "line_type": LINE_TYPES,
    "fav_unfav": FAV_UNFAV,
    "level": WARNING_LEVELS,
    "direction": CASH_DIRECTIONS,
    "source": CASH_SOURCES,
    "component": COST_COMPONENTS,
    "oee_factor": OEE_FACTORS,
    "step": STEPS,
    "check": VALIDATION_CHECKS,
    "problem": OEE_PROBLEMS,
    "shift": SHIFTS,
    "shift_label": {f"{h:02d}–{h + 8:02d}": SHIFTS[i] for i, h in enumerate((0, 8, 16))},
    "issue_type": MATERIAL_MOVES,
}

NAME_COLUMNS: tuple[str, ...] = (
    "plant_name", "city", "cost_center_name", "work_center_name", "product_name", "family", "supplier_name",
    "customer_name", "material_name", "bank_name",
    "account_label",  # "6602 管理费用 Administrative expenses"
    "label",  # tree pickers: indented "P1-MACH 一厂机加线 P1 Machining"
    "description",  # voucher descriptions written "中文 English ref": "直接人工 Direct labor WO-2024-00052"
)

# Messages of validation and import problems read "English / 中文".
MESSAGE_COLUMNS: tuple[str, ...] = ("message",)

# CJK ideographs, CJK punctuation and full-width forms: a token holding one is Chinese.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# An English word: letters only (with inner punctuation), two or more; "DN15" or "P1" is a code.
_WORD = re.compile(r"[A-Za-z][A-Za-z'’.&/-]*[A-Za-z.]")


def _language(language: str | None) -> str:
    if language is None:
        return i18n.lang()
    if language not in i18n.LANGS:
        raise ValueError(f"language must be one of {sorted(i18n.LANGS)} or None, got {language!r}")
    return language


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values, not missing
        return False


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese character (or CJK punctuation)."""
    return bool(_CJK.search(text))


def code_label(column: str, value, language: str | None = None) -> str:
    """The label of one code value of ``column``; unknown values come back as ``str(value)``,
    missing ones as "".

    >>> code_label("state", "breakdown", "zh"), code_label("fav_unfav", "U", "en")
    ('故障停机', 'Unfavorable')
    """
    if _missing(value):
        return ""
    idx = 0 if _language(language) == "zh" else 1
    labels = CODE_COLUMNS.get(column, {})
    try:
        pair = labels.get(value)
    except TypeError:  # unhashable
        pair = None
    return pair[idx] if pair else str(value)


def code_labels(column: str, values, language: str | None = None) -> list[str]:
    """``code_label`` of each value, for figure axes and legends (looked up once per distinct value)."""
    lang = _language(language)
    values = list(values)
    cache: dict = {}
    out = []
    for v in values:
        key = "\0missing" if _missing(v) else v
        try:
            if key not in cache:
                cache[key] = code_label(column, v, lang)
            out.append(cache[key])
        except TypeError:  # unhashable: no cache
            out.append(code_label(column, v, lang))
    return out


def localized_name(value, language: str | None = None) -> str:
    """A master-data name for the screen: Chinese screens keep the bilingual name, English
    screens drop the Chinese words (every one of them: a second plant's material "纸箱 Carton 天津
    Tianjin" reads "Carton Tianjin", not "Tianjin"). Leading codes and indentation stay; a name without an
    English part (or without a Chinese one) comes back unchanged. Missing values give "".

    >>> localized_name("球阀 Ball valve DN15", "en"), localized_name("6602 管理费用 Administrative expenses", "en")
    ('Ball valve DN15', '6602 Administrative expenses')
    """
    if _missing(value):
        return ""
    text = str(value)
    if _language(language) == "zh" or not has_cjk(text):
        return text
    indent = text[: len(text) - len(text.lstrip())]
    tokens = text.split()
    first = next(i for i, token in enumerate(tokens) if has_cjk(token))
    after = [token for token in tokens[first + 1:] if not has_cjk(token)]  # "纸箱 Carton 天津 Tianjin": both English words
    if not any(_WORD.fullmatch(token) for token in after):
        return text  # no English part: "生产成本-直接材料", "6602 管理费用", "球阀 DN15"
    return indent + " ".join(tokens[:first] + after)


def localized_message(value, language: str | None = None) -> str:
    """A problem message written "English / 中文" in the screen's language. The Chinese side is
    short, so where the English side carries details (numbers, quoted names) a Chinese screen
    shows both, the Chinese first: "值不在导入配置的映射表中（not in the profile's value map …）",
    so that a cell cut at the table's width still reads in Chinese. Anything else comes back
    unchanged; missing values give ""."""
    if _missing(value):
        return ""
    text = str(value)
    english, sep, chinese = text.rpartition(" / ")
    if not sep or has_cjk(english) or not has_cjk(chinese):
        return text
    if _language(language) == "en":
        return english
    return f"{chinese}（{english}）" if re.search(r"[0-9'\"({]", english) else chinese


def localized_warning(value, language: str | None = None) -> str:
    """An import warning, "file: English / 中文", in the screen's language: the file first, then
    the message in that language, a Chinese screen keeping the English half's details after the
    Chinese (the file name, or the columns listed, may hold Chinese: no reason to show both
    halves as they are).

    >>> localized_warning("凭证.csv: read as GBK text / 按 GBK 编码读取", "zh"), localized_warning("凭证.csv: read as GBK text / 按 GBK 编码读取", "en")
    ('凭证.csv：按 GBK 编码读取', '凭证.csv: read as GBK text')
    """
    if _missing(value):
        return ""
    text = str(value)
    head, sep, chinese = text.rpartition(" / ")
    file, colon, english = head.partition(": ")
    if not sep or not colon or not has_cjk(chinese) or has_cjk(english.split(":")[0]):
        return localized_message(text, language)
    if _language(language) == "en":
        return f"{file}: {english}"
    # the English half's details (names, counts, the profile's path) after the Chinese, as for problems
    return f"{file}：{chinese}（{english}）" if re.search(r"[0-9'\"({:]", english) else f"{file}：{chinese}"


def _map_unique(series: pd.Series, translate) -> pd.Series | None:
    """``series`` with each distinct value passed through ``translate`` once; None when nothing changes."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    present = series.dropna()
    mapping = {}
    for value in pd.unique(present):
        label = translate(value)
        if label is not None and label != value:
            mapping[value] = label
    if not mapping:
        return None
    mapped = series.map(mapping)
    return mapped.where(series.isin(list(mapping)), series)


def translate_codes(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` for display: code columns as labels, names and messages in the
    language, ``account_name`` in English on English screens. Never mutates ``frame``; the
    columns stay where they were, except that ``account_name_en`` is dropped once it has been
    used (in both languages).

    Grain and row order are unchanged. Work is per distinct value, so 100k rows cost the
    same as a handful.
    """
    lang = _language(language)
    idx = 0 if lang == "zh" else 1
    out = frame.copy()
    if "account_name" in out.columns and "account_name_en" in out.columns:
        if lang == "en":
            english = out["account_name_en"]
            has_english = english.notna() & english.astype(str).str.strip().ne("")
            out["account_name"] = english.where(has_english, out["account_name"])
        out = out.drop(columns="account_name_en")
    for position, column in enumerate(out.columns):
        if not isinstance(column, str):
            continue
        if column in CODE_COLUMNS:
            labels = CODE_COLUMNS[column]

            def translate(value, labels=labels):
                try:
                    pair = labels.get(value)
                except TypeError:
                    return None
                return pair[idx] if pair else None

        elif column in NAME_COLUMNS:
            if lang == "zh":
                continue

            def translate(value):
                return localized_name(value, lang) if isinstance(value, str) else None

        elif column in MESSAGE_COLUMNS:

            def translate(value):
                return localized_message(value, lang) if isinstance(value, str) else None

        else:
            continue
        translated = _map_unique(out.iloc[:, position], translate)
        if translated is not None:
            out.isetitem(position, translated)
    return out
