"""Master data of the sample plant: plants, cost centers, work centers, products, materials.

Small and hand-written so that the stories in ``docs/SAMPLE_DATA.md`` have names people can
recognise in a meeting. Everything derived (standard costs, BOM quantities) comes from a
seeded random generator, so the same seed gives the same plant.

The hand-written tables below are the plant at scale 1: one *line set* (the 12 work centers,
six in each of two plants). A larger scale grows the plant, not the load on it (``layout``):
``round(scale)`` line sets, each with its own 42 products and 15 customers, spread over
``ceil(sqrt(line sets))`` pairs of plants (a machining / assembly plant like P1 and a
moulding / assembly plant like P2), each plant with its own cost centers, bank account and
regional suppliers and materials. Every work center then carries about the orders of scale 1,
so OEE, margins and the working-capital days stay those of scale 1 at any scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


# --------------------------------------------------------------------------- growing the plant
# Names for what scale adds (Chinese and English, like the hand-written ones above).
CITIES = [
    ("天津", "Tianjin"), ("重庆", "Chongqing"), ("宁波", "Ningbo"), ("武汉", "Wuhan"), ("青岛", "Qingdao"),
    ("西安", "Xi'an"), ("沈阳", "Shenyang"), ("长沙", "Changsha"), ("无锡", "Wuxi"), ("昆明", "Kunming"),
    ("济南", "Jinan"), ("贵阳", "Guiyang"), ("合肥", "Hefei"), ("南宁", "Nanning"), ("大连", "Dalian"),
    ("兰州", "Lanzhou"), ("常州", "Changzhou"), ("郑州", "Zhengzhou"), ("烟台", "Yantai"), ("南昌", "Nanchang"),
    ("唐山", "Tangshan"), ("太原", "Taiyuan"), ("徐州", "Xuzhou"), ("洛阳", "Luoyang"), ("长春", "Changchun"),
    ("绵阳", "Mianyang"), ("哈尔滨", "Harbin"), ("柳州", "Liuzhou"), ("石家庄", "Shijiazhuang"), ("宜昌", "Yichang"),
    ("福州", "Fuzhou"), ("银川", "Yinchuan"), ("厦门", "Xiamen"), ("西宁", "Xining"), ("温州", "Wenzhou"),
    ("海口", "Haikou"), ("佛山", "Foshan"), ("呼和浩特", "Hohhot"), ("东莞", "Dongguan"), ("乌鲁木齐", "Urumqi"),
    ("泉州", "Quanzhou"), ("襄阳", "Xiangyang"), ("芜湖", "Wuhu"), ("南京", "Nanjing"), ("杭州", "Hangzhou"),
    ("广州", "Guangzhou"), ("深圳", "Shenzhen"), ("北京", "Beijing"), ("上海", "Shanghai"), ("拉萨", "Lhasa"),
]
CUSTOMER_KINDS = [
    ("燃气", "Gas"), ("水务", "Water"), ("热力", "Heating"), ("管网", "Pipeline"), ("能源", "Energy"),
    ("建工", "Construction"), ("安装公司", "Install Co"), ("市政", "Municipal Works"), ("化工", "Chemical"),
    ("阀门经销", "Valve Dealer"), ("仪表经销", "Meter Dealer"), ("管业经销", "Pipe Dealer"), ("石化", "Petrochemical"),
    ("物业", "Property Services"), ("置业", "Real Estate"), ("机电", "M&E Contractor"), ("工程公司", "Engineering Co"),
    ("环保", "Environmental"), ("电力", "Power"), ("港务", "Port Authority"), ("钢铁", "Steel Works"),
    ("灌溉", "Irrigation"), ("开发区", "Development Zone"), ("医药", "Pharma"),
]
BANKS = [("工商银行", "ICBC"), ("建设银行", "CCB"), ("中国银行", "BOC"), ("农业银行", "ABC"), ("交通银行", "BOCOM"),
         ("招商银行", "CMB")]
# line-set template: (kind, Chinese, English, how many per set); numbers run on across sets,
# so that scale 1 keeps its names (WC-CNC1, WC-CNC2, WC-MILL, … WC-ASM3 in P2)
_WC_NAMES = {
    "CNC": ("数控车床", "CNC lathe"), "MILL": ("加工中心", "Machining center"), "PRES": ("冲压机", "Press"),
    "ASM": ("装配线", "Assembly line"), "INJ": ("注塑机", "Injection moulder"), "EXT": ("挤出线", "Extrusion line"),
    "PACK": ("包装线", "Packing line"),
}
# suppliers every plant buys from (national) and those each plant pair has of its own (regional)
NATIONAL_SUPPLIERS = ("S01", "S02", "S03", "S04")
MAINTENANCE_SUPPLIER, UTILITY_SUPPLIER = "S09", "S10"
_OPENING = {"A": (26_000_000, 60_000_000, 3_000_000, 4_000_000), "B": (21_000_000, 48_000_000, 2_000_000, 3_000_000)}
_ADMIN_EXPENSE = {"A": 380_000.0, "B": 320_000.0}
HQ_ADMIN_EXPENSE = 260_000.0


def line_sets(scale: float) -> int:
    """How many line sets (copies of the 12-work-center template) the plant has at ``scale``:
    ``round(scale)`` (halves up), at least one; below 1.5 it is the hand-written plant."""
    return max(1, int(math.floor(scale + 0.5)))


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals (一, 十二, 二十三)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def _letters(k: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet column letters)."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(frozen=True)
class Layout:
    """The plant at one scale: master tables (contract columns plus a few helper columns the
    generator drops) and how line sets, plants and regions relate.

    ``plants`` has ``kind`` ('A' machining and assembly like P1, 'B' moulding and assembly like
    P2), ``pair`` and ``n_sets`` (line sets it holds); ``work_centers`` has ``crew`` and
    ``line_set``; ``materials`` has ``families`` (indexes into the base ``FAMILIES``) and ``pair``;
    ``suppliers`` has ``pair`` (-1 for the national ones).
    """

    n_sets: int
    plants: pd.DataFrame
    cost_centers: pd.DataFrame
    work_centers: pd.DataFrame
    families: list  # (family, plant_id, [work centers], stem, line set, pair)
    suppliers: pd.DataFrame
    materials: pd.DataFrame
    customers: pd.DataFrame
    bank_accounts: pd.DataFrame
    loss_classes: pd.DataFrame

    def material_id(self, base_id: str, pair: int) -> str:
        """The material a plant pair uses for the base material ``base_id`` (its own regional one, or the national one)."""
        return base_id if pair == 0 or base_id not in _REGIONAL_MATERIALS else f"{base_id}-{pair + 1:02d}"


_REGIONAL_MATERIALS = set(MATERIALS.material_id[~MATERIALS.supplier_id.isin(NATIONAL_SUPPLIERS)])


def layout(n_sets: int = 1) -> Layout:
    """The plant with ``n_sets`` line sets (``line_sets(scale)``); one set is the hand-written plant.

    Line set g sits in plant pair ``g % pairs`` (``pairs = ceil(sqrt(n_sets))``): P1/P2 hold set 0
    and every ``pairs``-th set after it, P3/P4 set 1 and so on. Work centers keep the template's
    kinds and rates, numbered on across sets (set 1 has WC-CNC3, WC-CNC4, WC-MILL2, …).
    """
    if n_sets < 1:
        raise ValueError(f"n_sets must be at least 1, got {n_sets}")
    pairs = math.ceil(math.sqrt(n_sets))
    set_pair = np.arange(n_sets) % pairs
    # plants: pair 0 is the hand-written P1 / P2
    plant_rows = []
    for k in range(pairs):
        for j, kind in enumerate("AB"):
            n = 2 * k + j + 1
            pid = f"P{n}"
            if k == 0:
                row = PLANTS.iloc[j]
                name, city = row.plant_name, row.city
            else:
                cn, en = CITIES[(2 * (k - 1) + j) % len(CITIES)]
                name, city = f"{cn}{_cn_number(n % 100)}厂 {en} Plant {n}", f"{cn} {en}"
            plant_rows.append((pid, name, city, CURRENCY, kind, k, int((set_pair == k).sum())))
    plants = pd.DataFrame(plant_rows, columns=["plant_id", "plant_name", "city", "currency", "kind", "pair", "n_sets"])
    if n_sets == 1:
        plants = plants.iloc[:2].reset_index(drop=True)

    # cost centers: the hand-written tree for P1 / P2, the same tree for every other plant, then head office
    cc_rows = [tuple(r) for r in COST_CENTERS.itertuples(index=False) if r.plant_id in ("P1", "P2") or r.cost_center_id == "CO"]
    for p in plants.itertuples(index=False):
        if p.pair == 0:
            continue
        n = p.plant_id[1:]
        short = f"{_cn_number(int(n) % 100)}厂"
        line, line_cn, line_en = ("MACH", "机加线", "Machining") if p.kind == "A" else ("MOLD", "注塑线", "Moulding")
        cc_rows += [
            (p.plant_id, p.plant_name, "CO", p.plant_id),
            (f"{p.plant_id}-PRD", f"{short}生产部 {p.plant_id} Production", p.plant_id, p.plant_id),
            (f"{p.plant_id}-{line}", f"{short}{line_cn} {p.plant_id} {line_en}", f"{p.plant_id}-PRD", p.plant_id),
            (f"{p.plant_id}-ASSY", f"{short}装配线 {p.plant_id} Assembly", f"{p.plant_id}-PRD", p.plant_id),
            (f"{p.plant_id}-MNT", f"{short}设备部 {p.plant_id} Maintenance", p.plant_id, p.plant_id),
            (f"{p.plant_id}-ADM", f"{short}行政部 {p.plant_id} Administration", p.plant_id, p.plant_id),
        ]
    cc_rows += [tuple(r) for r in COST_CENTERS.itertuples(index=False) if r.cost_center_id.startswith("HQ")]
    cost_centers = pd.DataFrame(cc_rows, columns=COST_CENTERS.columns)

    # work centers and families, set by set
    base = WORK_CENTERS.assign(kind=WORK_CENTERS.work_center_id.str.slice(3).str.rstrip("0123456789"))
    wc_frames, families = [], []
    for g in range(n_sets):
        k = int(set_pair[g])
        plant_of = {"P1": f"P{2 * k + 1}", "P2": f"P{2 * k + 2}"}
        if g == 0:
            ids = list(base.work_center_id)
        else:
            counts: dict[str, int] = {}
            ids = []
            for kind in base.kind:
                per_set = int((base.kind == kind).sum())
                counts[kind] = counts.get(kind, 0) + 1
                number = g * per_set + counts[kind]
                ids.append(f"WC-{kind}{number}")
        names = []
        for wid, kind, name in zip(ids, base.kind, base.work_center_name):
            if g == 0:
                names.append(name)
            else:
                cn, en = _WC_NAMES[kind]
                number = wid[3 + len(kind):]
                names.append(f"{cn}{number} {en} {number}")
        f = base.assign(
            work_center_id=ids,
            work_center_name=names,
            plant_id=base.plant_id.map(plant_of),
            cost_center_id=[plant_of[c[:2]] + c[2:] for c in base.cost_center_id],
            line_set=g,
        )
        wc_frames.append(f)
        id_of = dict(zip(base.work_center_id, ids))
        for family, plant, wcs, stem in FAMILIES:
            families.append((family, plant_of[plant], [id_of[w] for w in wcs], stem, g, k))
    work_centers = pd.concat(wc_frames, ignore_index=True).drop(columns="kind")

    # suppliers and materials: national ones shared, regional ones per plant pair
    sup_rows = [tuple(r) + (-1 if r.supplier_id in NATIONAL_SUPPLIERS else 0,) for r in SUPPLIERS.itertuples(index=False)]
    regional = SUPPLIERS[~SUPPLIERS.supplier_id.isin(NATIONAL_SUPPLIERS)]
    next_id = len(SUPPLIERS) + 1
    sup_map = {}
    for k in range(1, pairs):
        cn, en = CITIES[(2 * (k - 1)) % len(CITIES)]
        for r in regional.itertuples(index=False):
            zh_name, en_name = r.supplier_name.split(" ", 1)
            sid = f"S{next_id:02d}"
            next_id += 1
            sup_map[(r.supplier_id, k)] = sid
            sup_rows.append((sid, f"{cn}{zh_name} {en} {en_name}", r.payment_terms_days, k))
    suppliers = pd.DataFrame(sup_rows, columns=list(SUPPLIERS.columns) + ["pair"])
    mat = MATERIALS.assign(pair=0)
    extra = []
    for k in range(1, pairs):
        cn, en = CITIES[(2 * (k - 1)) % len(CITIES)]
        reg = MATERIALS[MATERIALS.material_id.isin(_REGIONAL_MATERIALS)]
        extra.append(reg.assign(
            material_id=[f"{m}-{k + 1:02d}" for m in reg.material_id],
            material_name=[f"{n} {cn} {en}" for n in reg.material_name],
            supplier_id=[sup_map[(s, k)] for s in reg.supplier_id],
            pair=k,
        ))
    materials = pd.concat([mat] + extra, ignore_index=True)

    # customers: 15 per line set, the hand-written ones first; the terms and limits repeat theirs
    names = list(CUSTOMERS.customer_name)
    taken = {n.split(" ", 1)[0] for n in names}
    want = 15 * n_sets - len(names)
    rounds = 0
    while want > 0:
        for kind_cn, kind_en in CUSTOMER_KINDS:
            for city_cn, city_en in CITIES:
                if want <= 0:
                    break
                suffix_cn = f"{_cn_number(rounds + 1)}公司" if rounds else ""
                suffix_en = f" No. {rounds + 1}" if rounds else ""
                zh = f"{city_cn}{kind_cn}{suffix_cn}"
                if zh in taken:
                    continue
                taken.add(zh)
                names.append(f"{zh} {city_en} {kind_en}{suffix_en}")
                want -= 1
        rounds += 1
    base_c = CUSTOMERS.iloc[np.arange(len(names)) % len(CUSTOMERS)]
    customers = pd.DataFrame({
        "customer_id": [f"C{i:02d}" for i in range(1, len(names) + 1)],
        "customer_name": names,
        "payment_terms_days": base_c.payment_terms_days.to_numpy(),
        "credit_limit_amount": base_c.credit_limit_amount.to_numpy(),
    })

    bank_rows = [tuple(r) for r in BANK_ACCOUNTS.itertuples(index=False)]
    for i, p in enumerate(plants.itertuples(index=False)):
        if p.pair == 0:
            continue
        bank_cn, bank_en = BANKS[i % len(BANKS)]
        city_cn, city_en = p.city.split(" ", 1)
        bank_rows.append((f"BA-{p.plant_id}", f"{bank_cn}{city_cn}分行 {bank_en} {city_en}", p.plant_id, CURRENCY))
    bank_accounts = pd.DataFrame(bank_rows, columns=BANK_ACCOUNTS.columns)

    template = {"A": LOSS_CLASSES[LOSS_CLASSES.plant_id == "P1"], "B": LOSS_CLASSES[LOSS_CLASSES.plant_id == "P2"]}
    loss_classes = pd.concat([template[p.kind].assign(plant_id=p.plant_id) for p in plants.itertuples(index=False)],
                             ignore_index=True)
    return Layout(n_sets, plants, cost_centers, work_centers, families, suppliers, materials, customers, bank_accounts,
                  loss_classes)


def service_suppliers(lay: Layout) -> dict[str, tuple[str, str]]:
    """Each plant's maintenance and utility suppliers (its pair's own, P1 / P2 the hand-written S09 / S10)."""
    sup = lay.suppliers
    out = {}
    for p in lay.plants.itertuples(index=False):
        if p.pair == 0:
            out[p.plant_id] = (MAINTENANCE_SUPPLIER, UTILITY_SUPPLIER)
        else:
            ids = sup[sup.pair == p.pair].supplier_id.tolist()  # in SUPPLIERS order: S05..S10's copies
            out[p.plant_id] = (ids[-2], ids[-1])
    return out


def opening_balances(lay: Layout) -> pd.DataFrame:
    """Bank, fixed assets, raw materials and finished goods per plant at the start of history (CNY),
    P1's and P2's figures per line set the plant holds."""
    rows = [(p.plant_id, *(v * p.n_sets for v in _OPENING[p.kind])) for p in lay.plants.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["plant_id", "bank", "fa", "rm", "fg"])


def admin_expenses(lay: Layout) -> list[tuple[str, str, float]]:
    """Monthly administrative expense per plant (and head office): (cost center, account, CNY)."""
    rows = [(f"{p.plant_id}-ADM", "6602", _ADMIN_EXPENSE[p.kind] * p.n_sets) for p in lay.plants.itertuples(index=False)]
    return rows + [("HQ-FIN", "6602", HQ_ADMIN_EXPENSE * lay.n_sets)]


def build_products(rng: np.random.Generator, lay: Layout | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Products, BOM and routings with standard costs derived from them.

    Standard material = sum(BOM qty x material standard price); standard labor and overhead
    come from the routing's standard hours at the work center's rates. Each line set has its
    own 42 products (set 0 is FG001..FG042; later sets add a type letter to the name: "B型 Type B").
    """
    lay = lay or layout(1)
    wc = {r.work_center_id: r for r in lay.work_centers.itertuples(index=False)}
    mat_unit = dict(zip(MATERIALS.material_id, MATERIALS.unit))
    mat_price = dict(zip(MATERIALS.material_id, MATERIALS.std_price.astype(float)))
    usable_by_family = [[m for m, fams in zip(MATERIALS.material_id, MATERIALS.families) if f in fams] for f in range(len(FAMILIES))]
    prod_rows, bom_rows, routing_rows = [], [], []
    n = 0
    for fam_idx, (family, plant, wcs, stem, g, pair) in enumerate(lay.families):
        usable = usable_by_family[fam_idx % len(FAMILIES)]
        series = "" if g == 0 else f" {_letters(g)}型 Type {_letters(g)}"
        for k in range(PRODUCTS_PER_FAMILY):
            n += 1
            pid = f"FG{n:03d}"
            size = ["DN15", "DN20", "DN25", "DN32", "DN40", "DN50", "DN80"][k]
            factor = 0.6 + 0.25 * k
            chosen = usable if len(usable) <= 4 else list(rng.choice(usable, size=4, replace=False))
            mat_cost = 0.0
            for m in chosen:
                q = round(float(rng.uniform(0.2, 1.6) * factor), 3) if mat_unit[m] in ("kg",) else float(rng.integers(1, 3))
                bom_rows.append((pid, lay.material_id(m, pair), q))
                mat_cost += q * mat_price[m]
            w = wc[wcs[k % len(wcs)]]
            cycle = round(float(rng.uniform(0.4, 2.2) * (0.7 + 0.15 * k)), 4)
            if family.startswith("PE"):
                cycle = round(cycle / 3, 4)
            std_machine_h = cycle / 60 / 0.80  # standard allows 80 % performance
            std_labor_h = round(std_machine_h * int(w.crew), 4)
            labor_cost = std_labor_h * float(w.labor_rate_per_h)
            oh_cost = std_machine_h * float(w.machine_rate_per_h + w.overhead_rate_per_h)
            total = mat_cost + labor_cost + oh_cost
            price = round(total * float(rng.uniform(1.22, 1.6)), 2)
            prod_rows.append(
                (pid, f"{stem} {size}{series}", family, "pcs" if not family.startswith("PE") else "m",
                 round(mat_cost, 4), round(labor_cost, 4), round(oh_cost, 4), price, plant)
            )
            routing_rows.append((pid, w.work_center_id, cycle, std_labor_h))
    products = pd.DataFrame(
        prod_rows,
        columns=["product_id", "product_name", "family", "unit", "std_material_cost", "std_labor_cost",
                 "std_overhead_cost", "list_price", "plant_id"],
    )
    bom = pd.DataFrame(bom_rows, columns=["product_id", "material_id", "qty_per_unit"])
    routings = pd.DataFrame(routing_rows, columns=["product_id", "work_center_id", "ideal_cycle_min", "std_labor_h_per_unit"])
    return products, bom, routings
