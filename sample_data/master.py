"""Master data of the sample plant: plants, cost centers, work centers, products, materials.

Small and hand-written so that the stories in ``docs/SAMPLE_DATA.md`` have names people can
recognise in a meeting. Everything derived (standard costs, BOM quantities) comes from a
seeded random generator, so the same seed gives the same plant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CURRENCY = "CNY"

PLANTS = pd.DataFrame(
    [
        ("P1", "华东一厂 East China Plant", "苏州 Suzhou", CURRENCY),
        ("P2", "西南二厂 Southwest Plant", "成都 Chengdu", CURRENCY),
    ],
    columns=["plant_id", "plant_name", "city", "currency"],
)

# Each site's OEE loss classes (read by the "custom" convention, over the oee.com defaults):
# P1 follows SMRP for maintenance and plans its changeovers into the schedule; P2 counts
# cleaning as downtime too.
LOSS_CLASSES = pd.DataFrame(
    [
        ("P1", "PS-MAINTENANCE", "availability", "scheduled downtime inside planned production time (SMRP)"),
        ("P1", "SU-CHANGEOVER", "schedule", "changeovers are planned into the schedule"),
        ("P1", "ID-NO-ORDER", "schedule", "no demand: not planned production time"),
        ("P2", "PS-MAINTENANCE", "availability", "scheduled downtime inside planned production time (SMRP)"),
        ("P2", "PS-CLEANING", "availability", "cleaning during planned production counts as downtime"),
    ],
    columns=["plant_id", "code", "loss_class", "note"],
)

# A three-level tree: company -> plant / head office -> department -> production line.
COST_CENTERS = pd.DataFrame(
    [
        ("CO", "集团公司 Company", None, None),
        ("P1", "华东一厂 East China Plant", "CO", "P1"),
        ("P1-PRD", "一厂生产部 P1 Production", "P1", "P1"),
        ("P1-MACH", "一厂机加线 P1 Machining", "P1-PRD", "P1"),
        ("P1-ASSY", "一厂装配线 P1 Assembly", "P1-PRD", "P1"),
        ("P1-MNT", "一厂设备部 P1 Maintenance", "P1", "P1"),
        ("P1-ADM", "一厂行政部 P1 Administration", "P1", "P1"),
        ("P2", "西南二厂 Southwest Plant", "CO", "P2"),
        ("P2-PRD", "二厂生产部 P2 Production", "P2", "P2"),
        ("P2-MOLD", "二厂注塑线 P2 Moulding", "P2-PRD", "P2"),
        ("P2-ASSY", "二厂装配线 P2 Assembly", "P2-PRD", "P2"),
        ("P2-MNT", "二厂设备部 P2 Maintenance", "P2", "P2"),
        ("P2-ADM", "二厂行政部 P2 Administration", "P2", "P2"),
        ("HQ", "总部 Head office", "CO", None),
        ("HQ-SAL", "销售部 Sales", "HQ", None),
        ("HQ-FIN", "财务部 Finance", "HQ", None),
    ],
    columns=["cost_center_id", "cost_center_name", "parent_id", "plant_id"],
)

# work_center_id, name, plant, cost center, machine, labor, overhead rate per hour, crew, bottleneck
WORK_CENTERS = pd.DataFrame(
    [
        ("WC-CNC1", "数控车床1 CNC lathe 1", "P1", "P1-MACH", 120.0, 55.0, 45.0, 1, 0),
        ("WC-CNC2", "数控车床2 CNC lathe 2", "P1", "P1-MACH", 120.0, 55.0, 45.0, 1, 0),
        ("WC-MILL", "加工中心 Machining center", "P1", "P1-MACH", 180.0, 60.0, 55.0, 1, 1),
        ("WC-PRES", "冲压机 Press", "P1", "P1-MACH", 90.0, 50.0, 40.0, 2, 0),
        ("WC-ASM1", "装配线1 Assembly line 1", "P1", "P1-ASSY", 40.0, 48.0, 35.0, 3, 0),
        ("WC-ASM2", "装配线2 Assembly line 2", "P1", "P1-ASSY", 40.0, 48.0, 35.0, 3, 0),
        ("WC-INJ1", "注塑机1 Injection moulder 1", "P2", "P2-MOLD", 110.0, 45.0, 50.0, 1, 0),
        ("WC-INJ2", "注塑机2 Injection moulder 2", "P2", "P2-MOLD", 110.0, 45.0, 50.0, 1, 1),
        ("WC-INJ3", "注塑机3 Injection moulder 3", "P2", "P2-MOLD", 130.0, 45.0, 55.0, 1, 0),
        ("WC-EXT", "挤出线 Extrusion line", "P2", "P2-MOLD", 150.0, 50.0, 60.0, 2, 0),
        ("WC-ASM3", "装配线3 Assembly line 3", "P2", "P2-ASSY", 35.0, 46.0, 30.0, 3, 0),
        ("WC-PACK", "包装线 Packing line", "P2", "P2-ASSY", 30.0, 42.0, 25.0, 2, 0),
    ],
    columns=[
        "work_center_id", "work_center_name", "plant_id", "cost_center_id", "machine_rate_per_h",
        "labor_rate_per_h", "overhead_rate_per_h", "crew", "is_bottleneck",
    ],
)
# The absorption rate (machine + overhead) split by behavior: utilities, the variable overhead
# account, are a fifth of the overhead the sample's plants spend (see posting._OVERHEAD_SPLIT).
VARIABLE_OVERHEAD_SHARE = 0.20
_absorption = WORK_CENTERS.machine_rate_per_h + WORK_CENTERS.overhead_rate_per_h
WORK_CENTERS["variable_overhead_rate_per_h"] = (_absorption * VARIABLE_OVERHEAD_SHARE).round(2)
WORK_CENTERS["fixed_overhead_rate_per_h"] = (_absorption - WORK_CENTERS.variable_overhead_rate_per_h).round(2)

# family, plant, work centers that make it, Chinese + English product stem
FAMILIES = [
    ("阀门 Valves", "P1", ["WC-CNC1", "WC-CNC2", "WC-MILL"], "球阀 Ball valve"),
    ("法兰 Flanges", "P1", ["WC-PRES", "WC-CNC1"], "法兰 Flange"),
    ("调压器 Regulators", "P1", ["WC-ASM1", "WC-ASM2"], "调压器 Regulator"),
    ("燃气表 Gas meters", "P2", ["WC-ASM3", "WC-PACK"], "燃气表 Gas meter"),
    ("管件 Pipe fittings", "P2", ["WC-INJ1", "WC-INJ2", "WC-INJ3"], "管件 Pipe fitting"),
    ("PE管 PE pipes", "P2", ["WC-EXT"], "PE管 PE pipe"),
]
PRODUCTS_PER_FAMILY = 7  # 42 products

SUPPLIERS = pd.DataFrame(
    [
        ("S01", "宝钢供应 Baosteel Supply", 60),
        ("S02", "华铜材料 Huatong Copper", 45),
        ("S03", "中石化树脂 Sinopec Resin", 30),
        ("S04", "精密电子 Precision Electronics", 60),
        ("S05", "密封件厂 Seals Works", 30),
        ("S06", "包装材料 Packaging Co", 30),
        ("S07", "紧固件 Fasteners Ltd", 45),
        ("S08", "铸造厂 Foundry Co", 90),
        ("S09", "设备维修服务 Maintenance Services", 30),
        ("S10", "城市能源 City Utilities", 30),
    ],
    columns=["supplier_id", "supplier_name", "payment_terms_days"],
)

# material, name, unit, std price, supplier, lead time (days), used by families (index into FAMILIES)
MATERIALS = pd.DataFrame(
    [
        ("M-STEEL-BAR", "圆钢 Steel bar", "kg", 6.8, "S01", 14, (0, 1)),
        ("M-STEEL-PLT", "钢板 Steel plate", "kg", 5.9, "S01", 14, (1,)),
        ("M-BRASS", "黄铜棒 Brass rod", "kg", 52.0, "S02", 21, (0, 2)),
        ("M-CASTING", "阀体铸件 Valve casting", "pcs", 38.0, "S08", 30, (0,)),
        ("M-PE-RESIN", "PE树脂 PE resin", "kg", 9.6, "S03", 10, (4, 5)),
        ("M-PP-RESIN", "PP树脂 PP resin", "kg", 8.4, "S03", 10, (4,)),
        ("M-MASTERB", "色母粒 Masterbatch", "kg", 21.0, "S03", 10, (4, 5)),
        ("M-PCB", "电路板 PCB assembly", "pcs", 46.0, "S04", 28, (3,)),
        ("M-SENSOR", "流量传感器 Flow sensor", "pcs", 62.0, "S04", 28, (3,)),
        ("M-LCD", "液晶屏 LCD", "pcs", 12.5, "S04", 28, (3,)),
        ("M-DIAPHRAGM", "膜片 Diaphragm", "pcs", 7.2, "S05", 7, (2, 3)),
        ("M-ORING", "O形圈 O-ring", "pcs", 0.35, "S05", 7, (0, 2, 4)),
        ("M-GASKET", "垫片 Gasket", "pcs", 0.9, "S05", 7, (1, 2)),
        ("M-BOLT", "螺栓 Bolt set", "set", 2.4, "S07", 14, (1, 2, 3)),
        ("M-SPRING", "弹簧 Spring", "pcs", 1.6, "S07", 14, (2,)),
        ("M-CARTON", "纸箱 Carton", "pcs", 3.1, "S06", 5, (2, 3, 5)),
        ("M-FILM", "缠绕膜 Stretch film", "kg", 14.0, "S06", 5, (4, 5)),
        ("M-HOUSING", "表壳 Meter housing", "pcs", 18.0, "S08", 30, (3,)),
    ],
    columns=["material_id", "material_name", "unit", "std_price", "supplier_id", "lead_time_days", "families"],
)

CUSTOMERS = pd.DataFrame(
    [
        (f"C{i:02d}", name, terms, limit)
        for i, (name, terms, limit) in enumerate(
            [
                ("城市燃气集团 City Gas Group", 60, 8_000_000),
                ("西南油气田 Southwest Oilfield", 90, 10_000_000),
                ("华润燃气 CR Gas", 60, 6_000_000),
                ("新奥能源 ENN Energy", 60, 6_000_000),
                ("港华燃气 Towngas", 45, 4_000_000),
                ("昆仑能源 Kunlun Energy", 90, 8_000_000),
                ("成都燃气 Chengdu Gas", 30, 3_000_000),
                ("苏州管道 Suzhou Pipeline", 45, 2_000_000),
                ("江南水务 Jiangnan Water", 30, 2_000_000),
                ("重庆燃气 Chongqing Gas", 60, 4_000_000),
                ("安装公司 Install Co", 30, 1_000_000),
                ("出口代理 Export Agent", 45, 3_000_000),
                ("建工集团 Construction Group", 90, 5_000_000),
                ("化工园区 Chemical Park", 60, 3_000_000),
                ("经销商华北 Dealer North", 30, 1_500_000),
            ],
            start=1,
        )
    ],
    columns=["customer_id", "customer_name", "payment_terms_days", "credit_limit_amount"],
)

# code, Chinese name, English name, type, category, parent
ACCOUNTS = pd.DataFrame(
    [
        ("1002", "银行存款", "Bank deposits", "asset", "cash", None),
        ("1122", "应收账款", "Accounts receivable", "asset", "receivables", None),
        ("1403", "原材料", "Raw materials", "asset", "raw_materials", None),
        ("1405", "库存商品", "Finished goods", "asset", "finished_goods", None),
        ("1601", "固定资产", "Fixed assets", "asset", "fixed_assets", None),
        ("1602", "累计折旧", "Accumulated depreciation", "asset", "fixed_assets", None),
        ("2202", "应付账款", "Accounts payable", "liability", "payables", None),
        ("2211", "应付职工薪酬", "Payroll payable", "liability", "payroll", None),
        ("4001", "实收资本", "Paid-in capital", "equity", "equity", None),
        ("5001", "生产成本", "Work in process", "asset", "wip", None),
        ("500101", "生产成本-直接材料", "WIP - direct material", "asset", "wip", "5001"),
        ("500102", "生产成本-直接人工", "WIP - direct labor", "asset", "wip", "5001"),
        ("500103", "生产成本-制造费用", "WIP - applied overhead", "asset", "wip", "5001"),
        ("5101", "制造费用", "Manufacturing overhead", "expense", "overhead", None),
        ("510101", "制造费用-折旧", "Overhead - depreciation", "expense", "overhead", "5101"),
        ("510102", "制造费用-水电能耗", "Overhead - utilities", "expense", "overhead", "5101"),
        ("510103", "制造费用-维修", "Overhead - maintenance", "expense", "overhead", "5101"),
        ("510104", "制造费用-间接人工", "Overhead - indirect labor", "expense", "overhead", "5101"),
        ("5109", "制造费用-已分配", "Overhead applied", "expense", "overhead_applied", "5101"),
        ("6001", "主营业务收入", "Revenue", "revenue", "revenue", None),
        ("6401", "主营业务成本", "Cost of sales", "expense", "cost_of_sales", None),
        ("6409", "生产成本差异", "Production cost variance", "expense", "variance", None),
        ("6601", "销售费用", "Selling expenses", "expense", "expense", None),
        ("6602", "管理费用", "Administrative expenses", "expense", "expense", None),
    ],
    columns=["account_code", "account_name", "account_name_en", "account_type", "category", "parent_code"],
)
ACCOUNTS["cost_behavior"] = ACCOUNTS.account_code.map(lambda a: "variable" if a == "510102" else ("fixed" if a.startswith("5101") else None))

BANK_ACCOUNTS = pd.DataFrame(
    [
        ("BA-P1", "工商银行苏州分行 ICBC Suzhou", "P1", CURRENCY),
        ("BA-P2", "建设银行成都分行 CCB Chengdu", "P2", CURRENCY),
    ],
    columns=["bank_account_id", "bank_name", "plant_id", "currency"],
)


def build_products(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Products, BOM and routings with standard costs derived from them.

    Standard material = sum(BOM qty x material standard price); standard labor and overhead
    come from the routing's standard hours at the work center's rates.
    """
    wc = WORK_CENTERS.set_index("work_center_id")
    mats = MATERIALS.set_index("material_id")
    prod_rows, bom_rows, routing_rows = [], [], []
    n = 0
    for fam_idx, (family, plant, wcs, stem) in enumerate(FAMILIES):
        usable = [m for m, fams in zip(MATERIALS.material_id, MATERIALS.families) if fam_idx in fams]
        for k in range(PRODUCTS_PER_FAMILY):
            n += 1
            pid = f"FG{n:03d}"
            size = ["DN15", "DN20", "DN25", "DN32", "DN40", "DN50", "DN80"][k]
            factor = 0.6 + 0.25 * k
            chosen = usable if len(usable) <= 4 else list(rng.choice(usable, size=4, replace=False))
            mat_cost = 0.0
            for m in chosen:
                unit = mats.loc[m, "unit"]
                q = round(float(rng.uniform(0.2, 1.6) * factor), 3) if unit in ("kg",) else float(rng.integers(1, 3))
                bom_rows.append((pid, m, q))
                mat_cost += q * float(mats.loc[m, "std_price"])
            work_center = wcs[k % len(wcs)]
            cycle = round(float(rng.uniform(0.4, 2.2) * (0.7 + 0.15 * k)), 4)
            if family.startswith("PE"):
                cycle = round(cycle / 3, 4)
            std_machine_h = cycle / 60 / 0.80  # standard allows 80 % performance
            crew = int(wc.loc[work_center, "crew"])
            std_labor_h = round(std_machine_h * crew, 4)
            labor_cost = std_labor_h * float(wc.loc[work_center, "labor_rate_per_h"])
            oh_cost = std_machine_h * float(wc.loc[work_center, "machine_rate_per_h"] + wc.loc[work_center, "overhead_rate_per_h"])
            total = mat_cost + labor_cost + oh_cost
            price = round(total * float(rng.uniform(1.22, 1.6)), 2)
            prod_rows.append(
                (pid, f"{stem} {size}", family, "pcs" if not family.startswith("PE") else "m",
                 round(mat_cost, 4), round(labor_cost, 4), round(oh_cost, 4), price, plant)
            )
            routing_rows.append((pid, work_center, cycle, std_labor_h))
    products = pd.DataFrame(
        prod_rows,
        columns=["product_id", "product_name", "family", "unit", "std_material_cost", "std_labor_cost",
                 "std_overhead_cost", "list_price", "plant_id"],
    )
    bom = pd.DataFrame(bom_rows, columns=["product_id", "material_id", "qty_per_unit"])
    routings = pd.DataFrame(routing_rows, columns=["product_id", "work_center_id", "ideal_cycle_min", "std_labor_h_per_unit"])
    return products, bom, routings
