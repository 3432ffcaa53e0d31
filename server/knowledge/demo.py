"""The demo's knowledge base: FAQs and defects of the demo's televisions and washing machines, entered as an
admin enters them (the fault codes the demo's finished jobs record are these defects' codes)."""

from sqlalchemy import select

from server.extensions import db
from server.knowledge.models import Article
from server.knowledge.schemas import ArticleArgs
from server.knowledge.services import create_article
from server.users.models import User

ENTRIES = [
    {
        "type": "defect",
        "fault_code": "TV-E21",
        "title": "有声音无图像：背光不亮 (sound but no picture: backlight off)",
        "symptom": "开机有声音，屏幕全黑；手电筒斜照屏幕能隐约看到图像。Sound works, the screen stays black.",
        "cause": "背光灯条断路或恒流电路损坏。A broken LED backlight strip.",
        "fix": "拆后壳测灯条电压，更换整套背光灯条；同时检查电源板输出。Replace the whole LED strip set.",
        "categories": ["tv"],
        "parts": ["LED-55", "LED-65", "PWR-TV"],
    },
    {
        "type": "defect",
        "fault_code": "TV-E32",
        "title": "不开机，待机灯闪烁 (will not start, standby light blinking)",
        "symptom": "通电后待机灯反复闪烁，无法开机。Standby LED blinks, the set never starts.",
        "cause": "U 系列主板 eMMC 数据损坏。Corrupted eMMC on the U-series main board.",
        "fix": "先用 U 盘强制升级固件；无效则更换主板。Force a firmware update from USB, else replace the main board.",
        "models": ["TV-55U7", "TV-65U7", "TV-75U7", "TV-85U7"],
        "parts": ["MB-U"],
    },
    {
        "type": "defect",
        "fault_code": "TV-P01",
        "title": "屏幕有竖线 (vertical lines on the panel)",
        "symptom": "画面出现固定位置的彩色竖线，调台不变。Fixed coloured vertical lines.",
        "cause": "屏线接触不良或面板 COF 损坏。Loose panel cable or a damaged COF on the panel.",
        "fix": "重新插拔屏线；竖线仍在则更换液晶屏（主要部件，三年保修）。Reseat the cable; else replace the panel.",
        "models": ["TV-65E7", "TV-75E7", "TV-65U7"],
        "parts": ["PNL-65", "PNL-75"],
    },
    {
        "type": "defect",
        "fault_code": "TV-R05",
        "title": "遥控失灵 (remote control not responding)",
        "symptom": "遥控器按键无反应，电视机身按键正常。The remote does nothing; the buttons on the set work.",
        "cause": "遥控器电池耗尽或红外发射管损坏；少数为蓝牙配对丢失。",
        "fix": "换电池，用手机摄像头看红外灯是否闪；仍无反应则更换遥控器并重新配对。Replace and pair the remote.",
        "categories": ["tv"],
        "parts": ["RC-TV"],
    },
    {
        "type": "defect",
        "fault_code": "TV-PW1",
        "title": "完全不通电：电源板烧毁 (dead set: power board failure)",
        "symptom": "插电后无任何指示，待机灯不亮。No light, no sound, nothing.",
        "cause": "雷击或电压波动导致电源板保险管、整流桥烧毁。A surge burnt the power board.",
        "fix": "更换电源板，并建议用户加装防雷插座。Replace the power board.",
        "categories": ["tv"],
        "parts": ["PWR-TV"],
    },
    {
        "type": "defect",
        "fault_code": "WM-E10",
        "title": "E10 进水超时 (E10: water inlet timeout)",
        "symptom": "洗衣机显示 E10，长时间不进水或进水很慢。Shows E10; water comes in slowly or not at all.",
        "cause": "水龙头未开、进水阀滤网堵塞或进水阀线圈损坏。Closed tap, clogged filter or a failed inlet valve.",
        "fix": "清洗进水阀滤网；测线圈电阻，损坏则更换进水阀。Clean the filter; replace the valve if its coil fails.",
        "categories": ["washing_machine"],
        "parts": ["VLV-D", "VLV-T", "VLV-H"],
    },
    {
        "type": "defect",
        "fault_code": "WM-E21",
        "title": "E21 排水故障 (E21: drain fault)",
        "symptom": "显示 E21 故障码，洗完后桶内有水排不出。Shows E21; water stays in the drum.",
        "cause": "排水泵被异物卡住或损坏。A coin or hairpin jams the drain pump.",
        "fix": "清理排水泵过滤器；泵不转则更换排水泵。Clean the pump filter; replace the pump if it does not turn.",
        "categories": ["washing_machine"],
        "parts": ["PMP-D", "PMP-T", "PMP-H"],
    },
    {
        "type": "defect",
        "fault_code": "WM-UB",
        "title": "不脱水，显示 UB (no spin: unbalanced load)",
        "symptom": "脱水时反复调整，最后显示 UB 不脱水。The spin keeps restarting and stops with UB.",
        "cause": "衣物缠成一团偏心，或机器放置不平。A tangled load or a machine that is not level.",
        "fix": "抖散衣物重新脱水，调平底脚；多为使用问题，无需换件。Untangle the load and level the feet.",
        "models": ["WM-T7B1", "WM-T7B2", "WM-T8B1", "WM-T8B2", "WM-T10B1", "WM-T10B2"],
    },
    {
        "type": "defect",
        "fault_code": "WM-LK1",
        "title": "门封圈漏水 (door seal leak)",
        "symptom": "洗涤时机门下方漏水。Water leaks under the door while washing.",
        "cause": "门封圈破损或夹有异物。A torn door seal, or something caught in it.",
        "fix": "清理门封圈褶皱；破损则更换门封圈。Clean the seal folds; replace a torn seal.",
        "models": ["WM-D8B1", "WM-D8B2", "WM-D10B1", "WM-D10B2", "WM-D12B1", "WM-D12B2"],
        "parts": ["SEAL-D"],
    },
    {
        "type": "faq",
        "title": "电视如何恢复出厂设置 (how to reset a TV to factory settings)",
        "symptom": "系统卡顿、应用闪退，用户想恢复出厂设置。The set is slow or apps crash.",
        "fix": "设置 → 系统 → 恢复出厂设置，输入 0000。Settings → System → Factory reset, PIN 0000.",
        "categories": ["tv"],
    },
    {
        "type": "faq",
        "title": "首次使用前拆除运输螺栓 (remove the transport bolts before first use)",
        "symptom": "新机脱水时剧烈振动、噪音大。A new machine shakes hard and is loud when spinning.",
        "cause": "背板的运输螺栓没有拆。The transport bolts at the back are still in.",
        "fix": "拆下背板 4 颗运输螺栓并盖好堵盖，交给用户保存。Remove the four bolts and fit the caps.",
        "categories": ["washing_machine"],
    },
    {
        "type": "faq",
        "title": "三包有效期怎么算 (how the warranty period is counted)",
        "symptom": "用户问是否在保修期内。The customer asks whether the unit is still in warranty.",
        "fix": "从发票日期起算：整机 1 年，主要部件（液晶屏、电机）3 年；以扫码查到的销售记录为准。"
        "From the sale date: whole unit 1 year, main parts 3 years; the install base decides.",
        "categories": ["tv", "washing_machine"],
    },
    {
        "type": "faq",
        "title": "Wi-Fi 连不上 (the TV cannot connect to Wi-Fi)",
        "symptom": "电视搜不到或连不上家里的 Wi-Fi。The TV cannot find or join the home network.",
        "fix": "确认路由器开启 2.4GHz；重启路由器与电视；仍不行则升级固件。Enable 2.4 GHz, restart both, update.",
        "models": ["TV-55U7", "TV-65U7", "TV-75U7", "TV-85U7"],
    },
]


def seed_knowledge():
    """Enter, as the demo admin, the entries that are missing (by title); return how many were entered."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        return 0
    have = set(db.session.scalars(select(Article.title)))
    added = 0
    for entry in ENTRIES:
        if entry["title"] in have:
            continue
        create_article(admin, ArticleArgs().load(entry))
        added += 1
    return added
