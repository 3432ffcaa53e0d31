"""The demo's reference data, as the manufacturer's CSV files would bring it, through the same import rules
(each kind's own domain service under ``import_rows``): regions, providers, products, warranty policies,
parts, stock and users. Applying it again finds every row unchanged."""

from server.errors import DomainError
from server.imports.services import import_rows
from server.imports.services import kinds

# province, cities, and per city (code, name, counties [(code, name, area class)])
GEOGRAPHY = [
    (
        "370000",
        "山东省",
        [
            ("370100", "济南市", [("370112", "历城区", "city"), ("370124", "平阴县", "county")]),
            ("370200", "青岛市", [("370211", "黄岛区", "city"), ("370281", "胶州市", "county")]),
            ("370600", "烟台市", [("370602", "芝罘区", "city"), ("370687", "海阳市", "county")]),
        ],
    ),
    (
        "440000",
        "广东省",
        [
            ("440100", "广州市", [("440106", "天河区", "city"), ("440117", "从化区", "county")]),
            ("440300", "深圳市", [("440304", "福田区", "city"), ("440307", "龙岗区", "city")]),
            ("441400", "梅州市", [("441422", "大埔县", "county"), ("441427", "蕉岭县", "remote")]),
        ],
    ),
    (
        "510000",
        "四川省",
        [
            ("510100", "成都市", [("510104", "锦江区", "city"), ("510129", "大邑县", "county")]),
            ("510700", "绵阳市", [("510703", "涪城区", "city"), ("510726", "北川县", "remote")]),
            ("513200", "阿坝州", [("513226", "金川县", "remote"), ("513231", "阿坝县", "remote")]),
        ],
    ),
    (
        "320000",
        "江苏省",
        [
            ("320100", "南京市", [("320102", "玄武区", "city"), ("320117", "溧水区", "county")]),
            ("320500", "苏州市", [("320505", "虎丘区", "city"), ("320581", "常熟市", "county")]),
            ("320800", "淮安市", [("320803", "淮安区", "city"), ("320831", "金湖县", "county")]),
        ],
    ),
]

PROVIDER_SUFFIXES = ["家电服务中心", "电器维修部", "售后服务站", "家电维修公司", "电器服务有限公司"]
TV_SIZES = [32, 43, 50, 55, 65, 75, 85]
TV_SERIES = ["A", "E", "U"]
WASHER_MODELS = [
    ("WM-D8", "滚筒洗衣机 8kg"),
    ("WM-D9", "滚筒洗衣机 9kg"),
    ("WM-D10", "滚筒洗衣机 10kg"),
    ("WM-D12", "滚筒洗衣机 12kg"),
    ("WM-T7", "波轮洗衣机 7kg"),
    ("WM-T8", "波轮洗衣机 8kg"),
    ("WM-T10", "波轮洗衣机 10kg"),
    ("WM-H10", "洗烘一体机 10kg"),
    ("WM-H12", "洗烘一体机 12kg"),
]
WASHER_VARIANTS = ["B1", "B2"]
TV_PARTS = [
    ("PNL", "液晶屏 {size} 英寸", 80000, True, True),
    ("MB", "主板 {series} 系列", 32000, True, False),
    ("PWR", "电源板", 15000, False, False),
    ("LED", "背光灯条 {size} 英寸", 9000, False, False),
    ("RC", "遥控器", 3500, False, False),
]
# The old part of a repair comes back to the RDC when it is worth this much or more (boards, panels, motors).
RETURN_FROM_CENTS = 15000
WASHER_PARTS = [
    ("MOT", "电机", 45000, True, True),
    ("CTL", "电脑板", 28000, True, False),
    ("PMP", "排水泵", 8000, False, False),
    ("SEAL", "门封圈", 6000, False, False),
    ("VLV", "进水阀", 4500, False, False),
]


# The fee guide (收费标准) of paid repairs: labour per category and repair type, yuan; travel per area class.
FEES = [
    ("TV-DIAG", "tv", "diagnosis", "检测费", 5000),
    ("TV-BOARD", "tv", "board", "更换主板/电源板", 12000),
    ("TV-PANEL", "tv", "panel", "更换液晶屏", 20000),
    ("TV-LED", "tv", "backlight", "更换背光灯条", 15000),
    ("WM-DIAG", "washing_machine", "diagnosis", "检测费", 5000),
    ("WM-MOTOR", "washing_machine", "motor", "更换电机", 18000),
    ("WM-BOARD", "washing_machine", "board", "更换电脑板", 12000),
    ("WM-PUMP", "washing_machine", "pump", "更换排水泵/进水阀", 8000),
    ("WM-SEAL", "washing_machine", "seal", "更换门封圈", 6000),
]
TRAVEL_FEES = [("city", 3000), ("county", 5000), ("remote", 8000)]
# A part's price to a customer: what headquarters charges providers, and this much more, rounded up to the yuan.
CUSTOMER_MARKUP_PERCENT = 30


def fees():
    return [
        {"code": code, "category": category, "repair_type": kind, "name": name, "labour_cents": str(cents)}
        for code, category, kind, name, cents in FEES
    ]


def travel_fees():
    return [{"area_class": area_class, "fee_cents": str(cents)} for area_class, cents in TRAVEL_FEES]


def _rows(dicts):
    return [(line, row) for line, row in enumerate(dicts, start=2)]


def _apply(kind_name, dicts):
    result = import_rows(kinds()[kind_name], _rows(dicts))
    if result["rejected"]:
        raise DomainError(f"demo {kind_name} rejected: {result['rejected'][:3]}")
    return result


def regions():
    for province, pname, cities in GEOGRAPHY:
        yield {"code": province, "name": pname, "parent_code": "", "level": "province", "area_class": "city"}
        for city, cname, counties in cities:
            yield {"code": city, "name": cname, "parent_code": province, "level": "city", "area_class": "city"}
            for county, kname, area in counties:
                yield {"code": county, "name": kname, "parent_code": city, "level": "county", "area_class": area}


def providers(rng):
    rows = []
    for province, _, cities in GEOGRAPHY:
        for n in range(5):
            covered = rng.sample(cities, k=rng.randint(1, 2))
            home = covered[0]
            rows.append(
                {
                    "code": f"P{province[:2]}{n + 1:02d}",
                    "name": f"{home[1]}{PROVIDER_SUFFIXES[n]}",
                    "region_codes": ";".join(city for city, _, _ in covered),
                    "deposit": f"{rng.randrange(20, 200) * 1000}.00",
                    "credit_limit": f"{rng.randrange(10, 100) * 1000}.00",
                }
            )
    return rows


def products():
    rows = []
    for series in TV_SERIES:
        for size in TV_SIZES:
            model = f"TV-{size}{series}7"
            rows.append(_product(model, "tv", f"{size} 英寸 {series} 系列液晶电视"))
    for model, name in WASHER_MODELS:
        for variant in WASHER_VARIANTS:
            rows.append(_product(f"{model}{variant}", "washing_machine", name))
    return rows


def _product(model, category, name):
    compact = model.replace("-", "")
    # Serial: the model without its dash, the production year and month, a six-digit sequence.
    return {
        "model": model,
        "category": category,
        "name": name,
        "serial_pattern": compact + r"\d{2}(0[1-9]|1[0-2])\d{6}",
    }


def policies():
    # 三包 rules: one year for the whole unit, three for the main parts (panel, motor).
    return [
        {"category": "tv", "whole_unit_months": "12", "main_part_months": "36"},
        {"category": "washing_machine", "whole_unit_months": "12", "main_part_months": "36"},
    ]


def parts(product_rows):
    tvs = [p["model"] for p in product_rows if p["category"] == "tv"]
    washers = [p["model"] for p in product_rows if p["category"] == "washing_machine"]
    rows = []
    for prefix, name, price, key_part, main_part in TV_PARTS:
        if "{size}" in name:
            groups = {str(size): [m for m in tvs if m.startswith(f"TV-{size}")] for size in TV_SIZES}
        elif "{series}" in name:
            groups = {series: [m for m in tvs if m.endswith(f"{series}7")] for series in TV_SERIES}
        else:
            groups = {"": tvs}
        for label, fits in groups.items():
            part_no = f"{prefix}-{label}" if label else f"{prefix}-TV"
            rows.append(_part(part_no, name.format(size=label, series=label), price, fits, key_part, main_part))
    for prefix, name, price, key_part, main_part in WASHER_PARTS:
        for family in ("WM-D", "WM-T", "WM-H"):
            fits = [m for m in washers if m.startswith(family)]
            rows.append(_part(f"{prefix}-{family[3]}", f"{name} ({family})", price, fits, key_part, main_part))
    return rows


def _part(part_no, name, price_cents, fits, key_part, main_part):
    return {
        "part_no": part_no,
        "name": name,
        "price": f"{price_cents / 100:.2f}",
        "models": ";".join(fits),
        "claimable": "true",
        "key_part": str(key_part).lower(),
        "main_part": str(main_part).lower(),
        "return_required": str(price_cents >= RETURN_FROM_CENTS).lower(),
        "customer_price_cents": str(-(-price_cents * (100 + CUSTOMER_MARKUP_PERCENT) // 10_000) * 100),
    }


def stock(rng, part_rows, provider_rows):
    rows = [{"warehouse": "HQ", "part_no": p["part_no"], "qty": str(rng.randrange(100, 400))} for p in part_rows]
    for province, _, _ in GEOGRAPHY:
        for p in rng.sample(part_rows, k=len(part_rows) * 2 // 3):
            rows.append({"warehouse": f"RDC-{province}", "part_no": p["part_no"], "qty": str(rng.randrange(0, 60))})
    for provider in provider_rows:
        for p in rng.sample(part_rows, k=8):
            rows.append(
                {"warehouse": f"PROV-{provider['code']}", "part_no": p["part_no"], "qty": str(rng.randrange(0, 6))}
            )
    return rows


def users(provider_rows, passwords):
    def user(username, role, display_name, provider_code="", region_code=""):
        return {
            "username": username,
            "password": passwords.get(role, ""),
            "role": role,
            "provider_code": provider_code,
            "region_code": region_code,
            "display_name": display_name,
        }

    rows = [user("admin", "admin", "系统管理员"), user("planner", "hq_planner", "总部计划员")]
    rows.append(user("supervisor", "supervisor", "客服主管"))
    rows += [user(f"agent{n}", "agent", f"客服 {n}") for n in range(1, 7)]
    rows += [user(f"dispatcher{n}", "dispatcher", f"调度员 {n}") for n in range(1, 4)]
    rows += [
        user(f"dispatcher.{province}", "dispatcher", f"{pname}调度员", region_code=province)
        for province, pname, _ in GEOGRAPHY
    ]
    rows += [user(f"auditor{n}", "auditor", f"审核员 {n}") for n in range(1, 3)]
    rows += [
        user(f"clerk.{province}", "parts_clerk", f"{pname}备件员", region_code=province)
        for province, pname, _ in GEOGRAPHY
    ]
    for index, provider in enumerate(provider_rows):
        code = provider["code"].lower()
        rows.append(user(f"pm.{code}", "provider_manager", person(index, 0), provider_code=provider["code"]))
        rows += [
            user(f"tech.{code}.{n}", "technician", person(index, n), provider_code=provider["code"])
            for n in range(1, 6)
        ]
    return rows


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAMES = [
    *("建国", "伟", "强", "磊", "军", "勇", "杰", "涛", "明"),
    *("超", "斌", "鹏", "辉", "刚", "海峰", "亮", "飞", "文博"),
]


def person(provider_index, n):
    """A person's name for the ``n``-th of a provider's staff (0: its manager), the same on every run."""
    surname = SURNAMES[(provider_index * 7 + n * 11) % len(SURNAMES)]
    return surname + GIVEN_NAMES[(provider_index * 5 + n * 3) % len(GIVEN_NAMES)]


def seed_reference(rng, passwords, opening_balances=True):
    """Import every kind in the order a fresh installation loads them; ``passwords`` maps a role to the
    password of its users (empty on a later run: a user's stored password is then kept). The providers (with
    their deposits) and the stock are opening balances, loaded on the first run only (``opening_balances``):
    loaded again, they would undo every payment and movement since."""
    product_rows = products()
    part_rows = parts(product_rows)
    provider_rows = providers(rng)
    _apply("regions", list(regions()))
    if opening_balances:
        # A provider's row sets its deposit (its default is none): a later run leaves the providers alone.
        _apply("providers", provider_rows)
    _apply("products", product_rows)
    _apply("policies", policies())
    _apply("parts", part_rows)
    _apply("fees", fees())
    _apply("travel-fees", travel_fees())
    stock_rows = stock(rng, part_rows, provider_rows)  # drawn either way: the users after it see the same rng
    if opening_balances:
        _apply("stock", stock_rows)
    _apply("users", users(provider_rows, passwords))
