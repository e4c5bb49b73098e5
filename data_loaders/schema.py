"""The canonical data model: every table the app reads, declared once.

This module is the data contract between a company's systems and the app. Importers,
validation, the sample generator, the documentation test and every query are driven by it.

Conventions (see ``docs/DATA_MODEL.md`` for each table's grain and links):

* Money columns end in ``_amount`` (or ``_price`` / ``_cost`` / ``_rate_per_h`` for unit
  values) and are in the plant's currency (CNY in the sample), stored as exact NUMERIC.
* Quantities end in ``_qty``; durations in ``_min`` (minutes) or ``_h`` (hours).
* Voucher lines carry ``debit_amount`` and ``credit_amount``, both >= 0; a line has one or the
  other. A voucher balances when its debits equal its credits.
* ``period`` is the accounting month as text ``YYYY-MM``.
* Every column's ``info`` holds its Chinese label (``zh``), English label (``en``) and the
  header aliases accepted on import (Chinese ERP exports, e.g. 凭证号 for ``voucher_no``).
"""

from __future__ import annotations

import pycountry
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)

metadata = MetaData()

ACCOUNT_CATEGORIES = (
    "cash", "receivables", "raw_materials", "finished_goods", "wip", "fixed_assets", "payables", "payroll",
    "equity", "revenue", "cost_of_sales", "variance", "overhead", "overhead_applied", "expense", "other",
)
MACHINE_STATES = ("running", "planned_stop", "breakdown", "setup", "minor_stop", "reduced_speed", "idle")

MONEY = Numeric(18, 2)
UNIT_MONEY = Numeric(18, 4)
QTY = Numeric(18, 3)
RATE = Numeric(12, 4)
CYCLE = Numeric(18, 6)  # ideal cycle times and rates: a 1-second cycle is 0.016667 min, kept to 6 decimals
LOSS_CLASSES = ("availability", "schedule", "performance")


def col(name: str, type_, zh: str, en: str, *args, signed: bool = False, choices: tuple[str, ...] = (),
        expected: str | None = None, **kw) -> Column:
    """A Column with its bilingual label, import aliases and value rules in ``info``.

    ``args`` may start with a tuple of header aliases; the rest (a ForeignKey) go to Column.
    Numbers must be >= 0 unless ``signed``; a text column with ``choices`` accepts only those;
    ``expected`` says what they are when they are too many to list in a message.
    """
    aliases: tuple[str, ...] = ()
    if args and isinstance(args[0], tuple):
        aliases, args = args[0], args[1:]
    info = {"zh": zh, "en": en, "aliases": aliases, "signed": signed, "choices": choices}
    if expected:
        info["expected"] = expected
    return Column(name, type_, *args, info=info, **kw)


# ISO 4217 currency codes (pycountry's list): amounts are labelled with them and a scope's
# plants are grouped by them, so a code outside the list (RMB for CNY, lower case) is refused at
# import rather than shown as a currency of its own.
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.currencies))
CURRENCY_EXPECTED = ("an ISO 4217 currency code in capitals, e.g. CNY (not RMB), USD, EUR / "
                     "ISO 4217 币种代码（大写），如 CNY（不是 RMB）、USD、EUR")


def _currency(zh: str = "币种", en: str = "Currency") -> Column:
    return col("currency", String(3), zh, en, nullable=False, choices=CURRENCY_CODES, expected=CURRENCY_EXPECTED)


def _id(n: int = 32) -> String:
    return String(n)


# --------------------------------------------------------------------------- master data
plants = Table(
    "plants", metadata,
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂", "工厂代码"), primary_key=True),
    col("plant_name", String(100), "工厂名称", "Plant name", nullable=False),
    col("city", String(60), "城市", "City"),
    _currency(),
    info={"zh": "工厂", "grain": "one row per plant"},
)

cost_centers = Table(
    "cost_centers", metadata,
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ("成本中心", "成本中心代码"), primary_key=True),
    col("cost_center_name", String(100), "成本中心名称", "Cost center name", nullable=False),
    col("parent_id", _id(), "上级成本中心", "Parent cost center", ("上级编码",)),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id")),
    info={"zh": "成本中心", "grain": "one row per cost center; parent_id builds the tree"},
)

work_centers = Table(
    "work_centers", metadata,
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ("工作中心", "设备编码"), primary_key=True),
    col("work_center_name", String(100), "工作中心名称", "Work center name", nullable=False),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id"), nullable=False),
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ("成本中心",), ForeignKey("cost_centers.cost_center_id")),
    col("machine_rate_per_h", MONEY, "机器费率(元/小时)", "Machine rate per hour", nullable=False),
    col("labor_rate_per_h", MONEY, "人工费率(元/小时)", "Labor rate per hour", nullable=False),
    col("overhead_rate_per_h", MONEY, "制造费用费率(元/小时)", "Overhead rate per hour", nullable=False),
    col("is_bottleneck", Integer, "是否瓶颈", "Is bottleneck", nullable=False, default=0),
    col("variable_overhead_rate_per_h", MONEY, "变动制造费用费率(元/机时)", "Variable overhead rate per machine hour"),
    col("fixed_overhead_rate_per_h", MONEY, "固定制造费用费率(元/机时)", "Fixed overhead rate per machine hour"),
    col("denominator_h_per_month", QTY, "固定费用分母工时(机时/月)", "Denominator level (machine hours per month)"),
    info={"zh": "工作中心", "grain": "one row per work center (a machine or line); variable + fixed overhead rate = "
          "machine + overhead rate (the absorption rate); fixed rate = budgeted fixed overhead / denominator hours"},
)

work_center_calendar = Table(
    "work_center_calendar", metadata,
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ("工作中心",), ForeignKey("work_centers.work_center_id"), primary_key=True),
    col("calendar_date", Date, "日期", "Date", ("日历日期",), primary_key=True),
    col("shift_count", Integer, "班次数", "Shifts", nullable=False),
    col("planned_production_min", QTY, "计划生产时间(分钟)", "Planned production time (min)", nullable=False),
    col("planned_stop_min", QTY, "计划停机(分钟)", "Planned stops (min)", nullable=False),
    info={"zh": "工作日历", "grain": "one row per work center x calendar day"},
)

products = Table(
    "products", metadata,
    col("product_id", _id(), "产品编码", "Product ID", ("物料编码", "产品", "存货编码"), primary_key=True),
    col("product_name", String(100), "产品名称", "Product name", ("存货名称",), nullable=False),
    col("family", String(60), "产品族", "Product family", ("产品系列", "产品大类"), nullable=False),
    col("unit", String(12), "单位", "Unit", ("计量单位",), nullable=False),
    col("std_material_cost", UNIT_MONEY, "标准材料成本", "Standard material cost per unit", nullable=False),
    col("std_labor_cost", UNIT_MONEY, "标准人工成本", "Standard labor cost per unit", nullable=False),
    col("std_overhead_cost", UNIT_MONEY, "标准制造费用", "Standard overhead cost per unit", nullable=False),
    col("list_price", UNIT_MONEY, "标准售价", "List price per unit", ("销售单价",), nullable=False),
    info={"zh": "产品", "grain": "one row per finished product"},
)

suppliers = Table(
    "suppliers", metadata,
    col("supplier_id", _id(), "供应商编码", "Supplier ID", ("供应商",), primary_key=True),
    col("supplier_name", String(100), "供应商名称", "Supplier name", nullable=False),
    col("payment_terms_days", Integer, "付款账期(天)", "Payment terms (days)", ("账期",), nullable=False),
    info={"zh": "供应商", "grain": "one row per supplier"},
)

customers = Table(
    "customers", metadata,
    col("customer_id", _id(), "客户编码", "Customer ID", ("客户",), primary_key=True),
    col("customer_name", String(100), "客户名称", "Customer name", nullable=False),
    col("payment_terms_days", Integer, "收款账期(天)", "Payment terms (days)", ("账期",), nullable=False),
    col("credit_limit_amount", MONEY, "信用额度", "Credit limit"),
    info={"zh": "客户", "grain": "one row per customer"},
)

materials = Table(
    "materials", metadata,
    col("material_id", _id(), "材料编码", "Material ID", ("物料编码", "材料"), primary_key=True),
    col("material_name", String(100), "材料名称", "Material name", nullable=False),
    col("unit", String(12), "单位", "Unit", ("计量单位",), nullable=False),
    col("std_price", UNIT_MONEY, "标准单价", "Standard price per unit", nullable=False),
    col("supplier_id", _id(), "主供应商", "Main supplier", ("供应商编码",), ForeignKey("suppliers.supplier_id")),
    col("lead_time_days", Integer, "采购提前期(天)", "Lead time (days)", nullable=False),
    info={"zh": "材料", "grain": "one row per raw material"},
)

bom = Table(
    "bom", metadata,
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id"), primary_key=True),
    col("material_id", _id(), "材料编码", "Material ID", ("材料",), ForeignKey("materials.material_id"), primary_key=True),
    col("qty_per_unit", QTY, "单位用量", "Quantity per unit", ("用量",), nullable=False),
    info={"zh": "物料清单", "grain": "one row per product x material"},
)

routings = Table(
    "routings", metadata,
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id"), primary_key=True),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ("工作中心",), ForeignKey("work_centers.work_center_id"), primary_key=True),
    col("ideal_cycle_min", CYCLE, "理想节拍(分钟/件)", "Ideal cycle time (min/unit); exactly one of the four ideal-cycle columns per row",
        ("标准节拍",)),
    col("std_labor_h_per_unit", RATE, "标准工时(小时/件)", "Standard labor hours per unit", nullable=False),
    col("ideal_cycle_s", CYCLE, "理想节拍(秒/件)", "Ideal cycle time (s/unit)", ("标准节拍(秒)",)),
    col("ideal_units_per_min", CYCLE, "理想速率(件/分钟)", "Ideal rate (units/min)", ("理想产能(件/分钟)",)),
    col("ideal_units_per_h", CYCLE, "理想速率(件/小时)", "Ideal rate (units/h)", ("理想产能(件/小时)",)),
    info={"zh": "工艺路线", "grain": "one row per product x work center; the ideal cycle is given once, as entered: "
                                 "minutes, seconds or a rate per minute or hour"},
)

accounts = Table(
    "accounts", metadata,
    col("account_code", _id(20), "科目编码", "Account code", ("科目代码", "会计科目"), primary_key=True),
    col("account_name", String(100), "科目名称", "Account name", nullable=False),
    col("account_name_en", String(100), "科目英文名", "Account name (English)"),
    col("account_type", String(12), "科目类型", "Account type", nullable=False,
        choices=("asset", "liability", "equity", "revenue", "expense")),
    col("category", String(20), "科目分类", "Category (drives the P&L and the reconciliations)", nullable=False, choices=ACCOUNT_CATEGORIES),
    col("parent_code", _id(20), "上级科目", "Parent account"),
    col("cost_behavior", String(8), "成本性态", "Cost behavior (variable/fixed; overhead accounts, empty = fixed)", ("成本习性",),
        choices=("variable", "fixed")),
    info={"zh": "会计科目", "grain": "one row per account; parent_code builds the tree"},
)

bank_accounts = Table(
    "bank_accounts", metadata,
    col("bank_account_id", _id(), "银行账户", "Bank account ID", ("账户编码",), primary_key=True),
    col("bank_name", String(100), "开户行", "Bank", nullable=False),
    col("plant_id", _id(), "工厂编码", "Plant ID", ForeignKey("plants.plant_id")),
    _currency(),
    info={"zh": "银行账户", "grain": "one row per bank account"},
)

loss_classes = Table(
    "loss_classes", metadata,
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id"), primary_key=True),
    col("code", String(32), "原因代码或状态", "Reason code or machine state", ("原因代码", "停机原因"), primary_key=True),
    col("loss_class", String(16), "损失类别", "Loss class (availability / schedule = outside planned production time / performance)",
        ("损失分类",), nullable=False, choices=LOSS_CLASSES),
    col("note", String(200), "说明", "Note", ("备注",)),
    info={"zh": "OEE 损失分类", "grain": "one row per plant x reason code (or machine state, for events without a code); "
                                     "read by the OEE convention 'custom', over the oee.com defaults"},
)

# --------------------------------------------------------------------------- operations
sales_orders = Table(
    "sales_orders", metadata,
    col("sales_order_id", _id(), "销售订单号", "Sales order", ("订单号",), primary_key=True),
    col("customer_id", _id(), "客户编码", "Customer ID", ("客户",), ForeignKey("customers.customer_id"), nullable=False),
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id"), nullable=False),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id"), nullable=False),
    col("order_date", Date, "下单日期", "Order date", nullable=False),
    col("due_date", Date, "交货日期", "Due date", nullable=False),
    col("qty", QTY, "数量", "Quantity", ("订单数量",), nullable=False),
    col("unit_price", UNIT_MONEY, "单价", "Unit price", nullable=False),
    col("status", String(16), "状态", "Status", nullable=False, choices=("open", "invoiced", "closed", "cancelled")),
    info={"zh": "销售订单", "grain": "one row per sales order (one product per order)"},
)

work_orders = Table(
    "work_orders", metadata,
    col("work_order_id", _id(), "工单号", "Work order", ("生产工单", "生产订单号"), primary_key=True),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id"), nullable=False),
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id"), nullable=False),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ("工作中心",), ForeignKey("work_centers.work_center_id"), nullable=False),
    col("sales_order_id", _id(), "销售订单号", "Sales order", ("订单号",), ForeignKey("sales_orders.sales_order_id")),
    col("planned_qty", QTY, "计划数量", "Planned quantity", nullable=False),
    col("completed_qty", QTY, "完工数量", "Completed (good) quantity", ("合格数量",), nullable=False),
    col("scrap_qty", QTY, "报废数量", "Scrap quantity", nullable=False),
    col("planned_start_date", Date, "计划开工日期", "Planned start", nullable=False),
    col("planned_end_date", Date, "计划完工日期", "Planned end", nullable=False),
    col("actual_start_at", DateTime, "实际开工时间", "Actual start"),
    col("actual_end_at", DateTime, "实际完工时间", "Actual end"),
    col("status", String(16), "状态", "Status", ("工单状态",), nullable=False,
        choices=("planned", "released", "in_progress", "completed", "closed", "cancelled")),
    info={"zh": "生产工单", "grain": "one row per work order (one product on one work center)"},
)

material_issues = Table(
    "material_issues", metadata,
    col("material_issue_id", _id(), "领料单号", "Material issue", ("领料单",), primary_key=True),
    col("work_order_id", _id(), "工单号", "Work order", ("生产工单",), ForeignKey("work_orders.work_order_id"), nullable=False),
    col("material_id", _id(), "材料编码", "Material ID", ("材料",), ForeignKey("materials.material_id"), nullable=False),
    col("issue_date", Date, "领料日期", "Issue date", nullable=False),
    col("issue_type", String(8), "类型", "Type (issue/return)", ("领退类型",), nullable=False, choices=("issue", "return")),
    col("qty", QTY, "数量", "Quantity", nullable=False),
    col("unit_cost", UNIT_MONEY, "实际单价", "Actual unit cost", ("单价",), nullable=False),
    info={"zh": "领料与退料", "grain": "one row per issue or return of one material to one work order"},
)

labor_logs = Table(
    "labor_logs", metadata,
    col("labor_log_id", _id(), "工时记录号", "Labor log", primary_key=True),
    col("work_order_id", _id(), "工单号", "Work order", ("生产工单",), ForeignKey("work_orders.work_order_id"), nullable=False),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ForeignKey("work_centers.work_center_id"), nullable=False),
    col("work_date", Date, "作业日期", "Work date", nullable=False),
    col("employee_id", _id(), "员工编号", "Employee"),
    col("hours", RATE, "工时(小时)", "Hours", ("工时",), nullable=False),
    col("rate_per_h", MONEY, "小时工资率", "Rate per hour", nullable=False),
    info={"zh": "工时记录", "grain": "one row per employee x work order x day"},
)

machine_events = Table(
    "machine_events", metadata,
    col("event_id", _id(), "事件号", "Event", primary_key=True),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ("设备",), ForeignKey("work_centers.work_center_id"), nullable=False),
    col("work_order_id", _id(), "工单号", "Work order", ForeignKey("work_orders.work_order_id")),
    col("start_at", DateTime, "开始时间", "Start", nullable=False),
    col("end_at", DateTime, "结束时间", "End", nullable=False),
    col("state", String(16), "状态", "State", ("设备状态",), nullable=False, choices=MACHINE_STATES),
    col("reason_code", String(32), "原因代码", "Reason code", ("停机原因",)),
    info={"zh": "设备状态事件", "grain": "one row per machine state interval on one work center"},
)

output_counts = Table(
    "output_counts", metadata,
    col("output_id", _id(), "报工号", "Output record", primary_key=True),
    col("work_order_id", _id(), "工单号", "Work order", ForeignKey("work_orders.work_order_id"), nullable=False),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ForeignKey("work_centers.work_center_id"), nullable=False),
    col("count_date", Date, "报工日期", "Date", nullable=False),
    col("good_qty", QTY, "合格数", "Good quantity", nullable=False),
    col("scrap_qty", QTY, "报废数", "Scrap quantity", nullable=False),
    col("rework_qty", QTY, "返工数", "Rework quantity", nullable=False),
    info={"zh": "产量报工", "grain": "one row per work order x day"},
)

sales_invoices = Table(
    "sales_invoices", metadata,
    col("invoice_id", _id(), "销售发票号", "Sales invoice", ("发票号",), primary_key=True),
    col("sales_order_id", _id(), "销售订单号", "Sales order", ForeignKey("sales_orders.sales_order_id")),
    col("customer_id", _id(), "客户编码", "Customer ID", ForeignKey("customers.customer_id"), nullable=False),
    col("product_id", _id(), "产品编码", "Product ID", ForeignKey("products.product_id"), nullable=False),
    col("plant_id", _id(), "工厂编码", "Plant ID", ForeignKey("plants.plant_id"), nullable=False),
    col("invoice_date", Date, "开票日期", "Invoice date", nullable=False),
    col("due_date", Date, "到期日", "Due date", nullable=False),
    col("qty", QTY, "数量", "Quantity (negative on a return)", nullable=False, signed=True),
    col("gross_amount", MONEY, "价税前金额", "Gross amount", nullable=False, signed=True),
    col("discount_amount", MONEY, "折扣", "Discount", nullable=False, signed=True),
    col("net_amount", MONEY, "净额", "Net amount", ("金额",), nullable=False, signed=True),
    info={"zh": "销售发票", "grain": "one row per invoice or credit note (negative qty and amounts)"},
)

customer_receipts = Table(
    "customer_receipts", metadata,
    col("receipt_id", _id(), "收款单号", "Receipt", primary_key=True),
    col("invoice_id", _id(), "销售发票号", "Sales invoice", ForeignKey("sales_invoices.invoice_id"), nullable=False),
    col("customer_id", _id(), "客户编码", "Customer ID", ForeignKey("customers.customer_id"), nullable=False),
    col("bank_account_id", _id(), "银行账户", "Bank account", ForeignKey("bank_accounts.bank_account_id"), nullable=False),
    col("receipt_date", Date, "收款日期", "Receipt date", nullable=False),
    col("amount", MONEY, "收款金额", "Amount (negative on a refund)", nullable=False, signed=True),
    info={"zh": "客户收款", "grain": "one row per receipt against one invoice"},
)

purchase_orders = Table(
    "purchase_orders", metadata,
    col("purchase_order_id", _id(), "采购订单号", "Purchase order", primary_key=True),
    col("supplier_id", _id(), "供应商编码", "Supplier ID", ForeignKey("suppliers.supplier_id"), nullable=False),
    col("material_id", _id(), "材料编码", "Material ID (empty for a service)", ForeignKey("materials.material_id")),
    col("plant_id", _id(), "工厂编码", "Plant ID", ForeignKey("plants.plant_id"), nullable=False),
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ForeignKey("cost_centers.cost_center_id")),
    col("account_code", _id(20), "科目编码", "Account it will be charged to (its budget line)", ("科目代码",), ForeignKey("accounts.account_code")),
    col("order_date", Date, "下单日期", "Order date", nullable=False),
    col("expected_date", Date, "预计到货日期", "Expected date", nullable=False),
    col("qty", QTY, "数量", "Quantity", nullable=False),
    col("unit_price", UNIT_MONEY, "单价", "Unit price", nullable=False),
    col("status", String(16), "状态", "Status (open/received)", nullable=False, choices=("open", "received", "closed", "cancelled")),
    info={"zh": "采购订单", "grain": "one row per purchase order (one material or one service per order); open orders are commitments against the budget"},
)

supplier_invoices = Table(
    "supplier_invoices", metadata,
    col("supplier_invoice_id", _id(), "采购发票号", "Supplier invoice", primary_key=True),
    col("purchase_order_id", _id(), "采购订单号", "Purchase order", ForeignKey("purchase_orders.purchase_order_id")),
    col("supplier_id", _id(), "供应商编码", "Supplier ID", ForeignKey("suppliers.supplier_id"), nullable=False),
    col("invoice_date", Date, "开票日期", "Invoice date", nullable=False),
    col("due_date", Date, "到期日", "Due date", nullable=False),
    col("qty", QTY, "数量", "Quantity", nullable=False),
    col("amount", MONEY, "金额", "Amount", nullable=False),
    info={"zh": "采购发票", "grain": "one row per supplier invoice (goods received)"},
)

supplier_payments = Table(
    "supplier_payments", metadata,
    col("payment_id", _id(), "付款单号", "Payment", primary_key=True),
    col("supplier_invoice_id", _id(), "采购发票号", "Supplier invoice", ForeignKey("supplier_invoices.supplier_invoice_id"), nullable=False),
    col("supplier_id", _id(), "供应商编码", "Supplier ID", ForeignKey("suppliers.supplier_id"), nullable=False),
    col("bank_account_id", _id(), "银行账户", "Bank account", ForeignKey("bank_accounts.bank_account_id"), nullable=False),
    col("payment_date", Date, "付款日期", "Payment date", nullable=False),
    col("amount", MONEY, "付款金额", "Amount", nullable=False),
    info={"zh": "供应商付款", "grain": "one row per payment against one supplier invoice"},
)

production_plan = Table(
    "production_plan", metadata,
    col("plan_id", _id(), "计划号", "Plan line", primary_key=True),
    col("plant_id", _id(), "工厂编码", "Plant ID", ForeignKey("plants.plant_id"), nullable=False),
    col("product_id", _id(), "产品编码", "Product ID", ForeignKey("products.product_id"), nullable=False),
    col("work_center_id", _id(), "工作中心编码", "Work center ID", ForeignKey("work_centers.work_center_id"), nullable=False),
    col("week_start_date", Date, "周开始日期", "Week starting (Monday)", nullable=False),
    col("planned_qty", QTY, "计划产量", "Planned quantity", nullable=False),
    info={"zh": "生产计划", "grain": "one row per product x work center x future week"},
)

# --------------------------------------------------------------------------- finance
vouchers = Table(
    "vouchers", metadata,
    col("voucher_no", _id(), "凭证号", "Voucher", ("凭证编号", "凭证字号"), primary_key=True),
    col("voucher_date", Date, "凭证日期", "Voucher date", ("记账日期", "制单日期"), nullable=False),
    col("period", String(7), "会计期间", "Period (YYYY-MM)", ("期间",), nullable=False),
    col("voucher_type", String(4), "凭证类型", "Voucher type", ("凭证字",), nullable=False),
    col("status", String(12), "状态", "Status", ("凭证状态",), nullable=False, choices=("posted", "draft", "reversed")),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id")),
    col("description", String(200), "摘要", "Description", ("凭证摘要",)),
    info={"zh": "记账凭证", "grain": "one row per voucher (记账凭证)"},
)

voucher_lines = Table(
    "voucher_lines", metadata,
    col("voucher_no", _id(), "凭证号", "Voucher", ("凭证编号",), ForeignKey("vouchers.voucher_no"), primary_key=True),
    col("line_no", Integer, "分录号", "Line", ("行号", "分录行号"), primary_key=True),
    col("period", String(7), "会计期间", "Period (YYYY-MM)", ("期间",), nullable=False),
    col("account_code", _id(20), "科目编码", "Account code", ("科目代码",), ForeignKey("accounts.account_code"), nullable=False),
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ("成本中心",), ForeignKey("cost_centers.cost_center_id")),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id")),
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id")),
    col("work_order_id", _id(), "工单号", "Work order", ("生产工单",), ForeignKey("work_orders.work_order_id")),
    col("debit_amount", MONEY, "借方金额", "Debit", ("借方",), nullable=False),
    col("credit_amount", MONEY, "贷方金额", "Credit", ("贷方",), nullable=False),
    col("source_doc_type", String(24), "来源单据类型", "Source document type", ("单据类型",),
        choices=("material_issue", "labor_log", "work_order", "completion", "sales_invoice", "customer_receipt",
                 "supplier_invoice", "supplier_payment")),
    col("source_doc_id", _id(), "来源单据号", "Source document", ("单据号", "来源单号")),
    info={"zh": "凭证分录", "grain": "one row per voucher line; period repeats the voucher's for fast scans"},
)

ledger_balances = Table(
    "ledger_balances", metadata,
    col("period", String(7), "会计期间", "Period (YYYY-MM)", ("期间",), primary_key=True),
    col("line_no", Integer, "行号", "Line", ("序号",), primary_key=True),
    col("account_code", _id(20), "科目编码", "Account code", ("科目代码",), ForeignKey("accounts.account_code"), nullable=False),
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ("成本中心",), ForeignKey("cost_centers.cost_center_id")),
    col("plant_id", _id(), "工厂编码", "Plant ID", ("工厂",), ForeignKey("plants.plant_id")),
    col("product_id", _id(), "产品编码", "Product ID", ("产品",), ForeignKey("products.product_id")),
    col("debit_amount", MONEY, "借方发生额", "Debit movement", ("借方金额", "借方"), nullable=False),
    col("credit_amount", MONEY, "贷方发生额", "Credit movement", ("贷方金额", "贷方"), nullable=False),
    info={"zh": "科目发生额", "grain": "one row per period x line: the period's movements by account x cost center x plant x "
          "product, for a source without vouchers (a consolidation or BI extract); a period's rows count only when it has "
          "no voucher lines, and need not balance"},
)

budgets = Table(
    "budgets", metadata,
    col("version", String(12), "预算版本", "Version (original/revised/forecast)", ("版本",), primary_key=True,
        choices=("original", "revised", "forecast")),
    col("period", String(7), "会计期间", "Period (YYYY-MM)", ("期间",), primary_key=True),
    col("cost_center_id", _id(), "成本中心编码", "Cost center ID", ("成本中心",), ForeignKey("cost_centers.cost_center_id"), primary_key=True),
    col("account_code", _id(20), "科目编码", "Account code", ("科目代码",), ForeignKey("accounts.account_code"), primary_key=True),
    col("budget_amount", MONEY, "预算金额", "Budget amount", ("预算数",), nullable=False, signed=True),
    info={"zh": "预算", "grain": "one row per version x period x cost center x account"},
)

sales_budgets = Table(
    "sales_budgets", metadata,
    col("version", String(12), "预算版本", "Version (original/revised/forecast)", ("版本",), primary_key=True,
        choices=("original", "revised", "forecast")),
    col("period", String(7), "会计期间", "Period (YYYY-MM)", ("期间",), primary_key=True),
    col("product_id", _id(), "产品编码", "Product ID", ("产品", "存货编码"), ForeignKey("products.product_id"), primary_key=True),
    col("budget_qty", QTY, "预算销量", "Budgeted units", ("预算数量",), nullable=False),
    col("budget_price", UNIT_MONEY, "预算单价", "Budgeted net price per unit", ("预算售价",), nullable=False),
    col("budget_std_cost_per_unit", UNIT_MONEY, "预算单位标准成本", "Budgeted standard cost per unit", ("预算单位成本",), nullable=False),
    info={"zh": "销售预算", "grain": "one row per version x period x product: the sales budget behind the sales price, mix, "
          "quantity and cost variances and the flexible budget"},
)

cash_balances = Table(
    "cash_balances", metadata,
    col("bank_account_id", _id(), "银行账户", "Bank account", ForeignKey("bank_accounts.bank_account_id"), primary_key=True),
    col("balance_date", Date, "余额日期", "Balance date", primary_key=True),
    col("balance_amount", MONEY, "余额", "Balance", nullable=False, signed=True),
    info={"zh": "银行余额", "grain": "one row per bank account x month-end (and the as-of date)"},
)

# --------------------------------------------------------------------------- app bookkeeping
dataset_info = Table(
    "dataset_info", metadata,
    col("info_key", String(40), "键", "Key", primary_key=True),
    col("info_value", String(200), "值", "Value"),
    info={"zh": "数据集信息", "grain": "one row per setting (as-of date, source, last import)", "internal": True},
)

# Indexes on every join and lookup key: SQLite and the servers need them (see docs/PERFORMANCE.md).
Index("ix_voucher_lines_source", voucher_lines.c.source_doc_type, voucher_lines.c.source_doc_id)
Index("ix_voucher_lines_work_order", voucher_lines.c.work_order_id)
Index("ix_voucher_lines_period_account", voucher_lines.c.period, voucher_lines.c.account_code)
Index("ix_vouchers_period", vouchers.c.period)
Index("ix_material_issues_wo", material_issues.c.work_order_id)
Index("ix_labor_logs_wo", labor_logs.c.work_order_id)
Index("ix_machine_events_wc_start", machine_events.c.work_center_id, machine_events.c.start_at)
Index("ix_machine_events_wo", machine_events.c.work_order_id)
Index("ix_output_counts_wo", output_counts.c.work_order_id)
Index("ix_work_orders_product", work_orders.c.product_id)
Index("ix_sales_invoices_customer", sales_invoices.c.customer_id)
Index("ix_customer_receipts_invoice", customer_receipts.c.invoice_id)
Index("ix_supplier_payments_invoice", supplier_payments.c.supplier_invoice_id)
Index("ix_budgets_cost_center_account", budgets.c.cost_center_id, budgets.c.account_code)
Index("ix_ledger_balances_period_account", ledger_balances.c.period, ledger_balances.c.account_code)
Index("ix_voucher_lines_cost_center", voucher_lines.c.cost_center_id, voucher_lines.c.account_code)
# A voucher's lines by its number. The primary key (voucher_no, line_no) serves this on every
# database but DuckDB, which does not look a prefix of a composite key up in its index and scans
# instead: 10 ms for one voucher at 12.8 M lines against 0.5 ms with this index (built in 9 CPU s
# at that size; docs/PERFORMANCE.md, "The traces"). Elsewhere it would only duplicate the key.
Index("ix_voucher_lines_voucher", voucher_lines.c.voucher_no).ddl_if(dialect="duckdb")


def usable_index(ddl, target, bind, **kw) -> bool:
    """Whether to create the index ``target`` on this database: on DuckDB, only an index of one
    column other than ``period``. DuckDB looks up single-column indexes only (an equality on both
    columns of (source_doc_type, source_doc_id) scans, as does one on a composite key), and only
    when at most max(2,048, 0.1 % of the rows) match (``index_scan_max_count``), which a month of
    a table never does; its zone maps prune those scans. Every index it keeps costs build and
    import time (ART indexes were over a quarter of the L build). Checked with EXPLAIN ANALYZE
    at 12.8 M lines (tests/test_build_load.py)."""
    if kw["dialect"].name != "duckdb":
        return True
    return len(target.expressions) == 1 and getattr(target.expressions[0], "name", None) != "period"


def skip_unusable_indexes(tables) -> None:
    """Mark the indexes of ``tables`` with ``usable_index`` (``ddl_if``), but those that carry a
    condition of their own."""
    for table in tables:
        for index in table.indexes:
            if index._ddl_if is None:
                index.ddl_if(callable_=usable_index)


skip_unusable_indexes(metadata.tables.values())

# routings: exactly one of these per row (minutes, seconds, units per minute, units per hour)
IDEAL_CYCLE_COLUMNS = ("ideal_cycle_min", "ideal_cycle_s", "ideal_units_per_min", "ideal_units_per_h")

# Load order: parents before children, so references resolve while loading.
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
CONTRACT_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if not t.info.get("internal"))


def table_by_name(name: str) -> Table:
    """The declared table called ``name``; ``KeyError`` if there is none."""
    return metadata.tables[name]

# A voucher line's (source_doc_type, source_doc_id) names a row of one of these tables:
# source type -> (table, key column, the document's date column or None).
SOURCE_DOCUMENTS: dict[str, tuple[Table, str, str | None]] = {
    "material_issue": (material_issues, "material_issue_id", "issue_date"),
    "labor_log": (labor_logs, "labor_log_id", "work_date"),
    "work_order": (work_orders, "work_order_id", None),
    "completion": (work_orders, "work_order_id", None),
    "sales_invoice": (sales_invoices, "invoice_id", "invoice_date"),
    "customer_receipt": (customer_receipts, "receipt_id", "receipt_date"),
    "supplier_invoice": (supplier_invoices, "supplier_invoice_id", "invoice_date"),
    "supplier_payment": (supplier_payments, "payment_id", "payment_date"),
}

assert set(SOURCE_DOCUMENTS) == set(voucher_lines.c.source_doc_type.info["choices"])


def contract_fingerprint() -> str:
    """A short hash of every contract table and column: a database built by another version of
    the contract has another fingerprint (stored in ``dataset_info`` as ``contract_version``)."""
    import hashlib

    text = ";".join(f"{t.name}:{','.join(c.name for c in t.columns)}" for t in CONTRACT_TABLES)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
