"""The demo standard matter catalog of 临江市 (drawn from the reference report: 市容管理,
交通运输, 环境保护 with noise split by source, 城市安全, 防汛防台, 市政设施, 园林绿化,
住房管理, 市场监管, 公共服务 ...), the bureaus it names, and two domain catalogs.

Codes follow position: 大类 "03", 小类 "0301", 细类 "030102". A 细类 row is
(name, level, department, time limit, unit, legal basis): a city-wide one names a
city bureau's code; a district-wide one names a suffix ("cg" = each district's
城市管理行政执法局, "fg" = its 房屋管理局; none: the district's ops center).
"""
from __future__ import annotations

import datetime as dt

START = dt.date(2025, 1, 1)

DISTRICTS = [("jd", "江东区"), ("jx", "江西区"), ("lg", "临港区"), ("gx", "高新区")]

# (code, name, parent code (None: the city's root), level, kind)
BUREAUS = [
    ("lj-cityadmin", "临江市城市管理行政执法局", None, "city", "bureau"),
    ("lj-transport", "临江市交通运输局", None, "city", "bureau"),
    ("lj-ecology", "临江市生态环境局", None, "city", "bureau"),
    ("lj-emergency", "临江市应急管理局", None, "city", "bureau"),
    ("lj-water", "临江市水务局", None, "city", "bureau"),
    ("lj-housing", "临江市住房和城乡建设局", None, "city", "bureau"),
    ("lj-greening", "临江市园林绿化局", None, "city", "bureau"),
    ("lj-market", "临江市市场监督管理局", None, "city", "bureau"),
    ("lj-police", "临江市公安局", None, "city", "bureau"),
    ("lj-fire", "临江市消防救援支队", None, "city", "bureau"),
    ("lj-civil", "临江市民政局", None, "city", "bureau"),
    ("lj-health", "临江市卫生健康委员会", None, "city", "bureau"),
    ("lj-culture", "临江市文化广电旅游局", None, "city", "bureau"),
    ("lj-power", "国网临江供电公司", None, "city", "bureau"),
    ("lj-gas", "临江燃气集团", None, "city", "bureau"),
] + [
    (f"{code}-{suffix}", f"{name}{title}", code, "district", "bureau")
    for code, name in DISTRICTS
    for suffix, title in (("cg", "城市管理行政执法局"), ("fg", "房屋管理局"))
]

SR = "《城市市容和环境卫生管理条例》"
NOISE = "《中华人民共和国噪声污染防治法》"
AIR = "《中华人民共和国大气污染防治法》"
WATERP = "《中华人民共和国水污染防治法》"
SOLID = "《中华人民共和国固体废物污染环境防治法》"
ROAD = "《中华人民共和国道路交通安全法》"
ROADM = "《城市道路管理条例》"
FLOOD = "《中华人民共和国防洪法》《中华人民共和国防汛条例》"
DRAIN = "《城镇排水与污水处理条例》"
GREEN = "《城市绿化条例》"
PROP = "《物业管理条例》"
FIRE = "《中华人民共和国消防法》"
SAFETY = "《中华人民共和国安全生产法》"
GAS = "《城镇燃气管理条例》"
FOOD = "《中华人民共和国食品安全法》"
PRICE = "《中华人民共和国价格法》"
QUALITY = "《中华人民共和国产品质量法》"
CONSUMER = "《中华人民共和国消费者权益保护法》"
SPECIAL = "《中华人民共和国特种设备安全法》"
SUPPLY = "《城市供水条例》"
POWER = "《电力供应与使用条例》"
PLAN = "《中华人民共和国城乡规划法》"
TRANSPORT = "《中华人民共和国道路运输条例》"
LIGHT = "《城市照明管理规定》"
D, H = "working_days", "hours"

# 大类 -> 小类 -> 细类 (name, level, department, time limit, unit, legal basis)
RAW = [
    ("市容管理", [
        ("市容环境", [
            ("暴露垃圾", "city", "lj-cityadmin", 2, D, SR + "第二十七条"),
            ("积存垃圾渣土", "city", "lj-cityadmin", 3, D, SR + "第二十八条"),
            ("道路不洁", "city", "lj-cityadmin", 1, D, SR + "第二十七条"),
            ("乱张贴小广告", "district", "cg", 3, D, SR + "第十七条"),
            ("乱涂写乱刻画", "district", "cg", 3, D, SR + "第十七条"),
            ("占道经营", "district", "cg", 2, D, SR + "第十四条"),
            ("流动摊贩", "district", "cg", 1, D, SR + "第十四条"),
            ("店外经营", "district", "cg", 2, D, SR + "第十四条"),
            ("露天烧烤", "district", "cg", 4, H, AIR + "第一百一十八条"),
            ("沿街晾挂", "district", "cg", 3, D, SR + "第十条"),
        ]),
        ("户外广告与招牌", [
            ("违规设置户外广告", "city", "lj-cityadmin", 5, D, SR + "第十一条"),
            ("店招店牌破损", "district", "cg", 5, D, SR + "第十一条"),
            ("广告牌安全隐患", "city", "lj-cityadmin", 24, H, SR + "第十一条"),
        ]),
        ("环境卫生设施", [
            ("垃圾箱破损满溢", "city", "lj-cityadmin", 1, D, SR + "第二十二条"),
            ("公厕设施损坏", "city", "lj-cityadmin", 2, D, "《城市公共厕所管理办法》"),
            ("垃圾分类投放不规范", "district", "cg", 5, D, SOLID + "第四十九条"),
        ]),
    ]),
    ("交通运输", [
        ("道路交通", [
            ("机动车违法停放", "city", "lj-police", 2, H, ROAD + "第五十六条"),
            ("非机动车乱停放", "district", "cg", 1, D, ROAD + "第五十九条"),
            ("共享单车堆积", "city", "lj-transport", 1, D, "《临江市互联网租赁自行车管理办法》"),
            ("交通信号灯故障", "city", "lj-police", 4, H, ROAD + "第二十五条"),
            ("交通标志标线缺损", "city", "lj-police", 5, D, ROAD + "第二十九条"),
        ]),
        ("公共交通", [
            ("公交站亭损坏", "city", "lj-transport", 3, D, "《城市公共汽车和电车客运管理规定》"),
            ("公交服务投诉", "city", "lj-transport", 5, D, "《城市公共汽车和电车客运管理规定》"),
            ("出租车拒载议价", "city", "lj-transport", 5, D, "《巡游出租汽车经营服务管理规定》"),
        ]),
        ("道路运输", [
            ("渣土车抛洒滴漏", "city", "lj-cityadmin", 4, H, SR + "第十五条"),
            ("渣土车未密闭运输", "city", "lj-cityadmin", 1, D, AIR + "第七十条"),
            ("非法营运", "city", "lj-transport", 5, D, TRANSPORT + "第六十三条"),
        ]),
    ]),
    ("环境保护", [
        ("噪声污染", [
            ("建筑施工噪声", "city", "lj-housing", 1, D, NOISE + "第四十条"),
            ("社会生活噪声（商业经营）", "district", "cg", 1, D, NOISE + "第六十四条"),
            ("社会生活噪声（文化娱乐场所）", "city", "lj-culture", 1, D, NOISE + "第六十一条"),
            ("社会生活噪声（邻里生活）", "city", "lj-police", 4, H, NOISE + "第六十五条"),
            ("室内装修噪声", "district", "fg", 2, D, NOISE + "第六十六条"),
            ("交通运输噪声", "city", "lj-transport", 5, D, NOISE + "第四十五条"),
            ("工业噪声", "city", "lj-ecology", 5, D, NOISE + "第三十六条"),
        ]),
        ("大气污染", [
            ("工地扬尘", "city", "lj-housing", 1, D, AIR + "第六十九条"),
            ("露天焚烧", "district", "cg", 4, H, AIR + "第七十七条"),
            ("餐饮油烟", "district", "cg", 5, D, AIR + "第八十一条"),
            ("工业废气", "city", "lj-ecology", 3, D, AIR + "第四十三条"),
            ("机动车冒黑烟", "city", "lj-ecology", 5, D, AIR + "第五十三条"),
        ]),
        ("水污染", [
            ("河道水体污染", "city", "lj-water", 3, D, WATERP + "第三十三条"),
            ("污水直排", "city", "lj-ecology", 2, D, WATERP + "第三十九条"),
            ("黑臭水体", "city", "lj-water", 10, D, WATERP + "第五十条"),
        ]),
        ("固体废物", [
            ("建筑垃圾乱倒", "district", "cg", 2, D, SOLID + "第六十三条"),
            ("危险废物非法倾倒", "city", "lj-ecology", 4, H, SOLID + "第七十七条"),
        ]),
    ]),
    ("城市安全", [
        ("安全生产", [
            ("危险化学品安全隐患", "city", "lj-emergency", 4, H, "《危险化学品安全管理条例》"),
            ("违规生产经营", "city", "lj-emergency", 3, D, SAFETY + "第六十二条"),
            ("有限空间作业隐患", "city", "lj-emergency", 1, D, SAFETY + "第四十三条"),
        ]),
        ("消防安全", [
            ("消防通道堵塞", "city", "lj-fire", 4, H, FIRE + "第二十八条"),
            ("电动自行车违规充电", "district", "", 1, D, FIRE + "第二十八条"),
            ("消防设施损坏", "city", "lj-fire", 3, D, FIRE + "第十六条"),
        ]),
        ("燃气安全", [
            ("燃气泄漏", "city", "lj-gas", 1, H, GAS + "第三十九条"),
            ("瓶装燃气违规使用", "city", "lj-emergency", 2, D, GAS + "第二十八条"),
        ]),
        ("特种设备", [
            ("电梯困人", "city", "lj-market", 1, H, SPECIAL + "第四十五条"),
            ("电梯故障", "city", "lj-market", 2, D, SPECIAL + "第四十二条"),
        ]),
    ]),
    ("防汛防台", [
        ("积水内涝", [
            ("道路积水", "city", "lj-water", 4, H, FLOOD),
            ("下立交积水", "city", "lj-water", 2, H, FLOOD),
            ("小区积水", "district", "fg", 1, D, FLOOD),
        ]),
        ("防汛设施", [
            ("排水泵站故障", "city", "lj-water", 2, H, DRAIN + "第三十三条"),
            ("防汛墙损坏", "city", "lj-water", 1, D, FLOOD),
        ]),
        ("台风灾害", [
            ("树木倒伏", "city", "lj-greening", 4, H, GREEN + "第二十五条"),
            ("高空坠物隐患", "district", "cg", 4, H, SR + "第十条"),
            ("施工围挡倒塌", "city", "lj-housing", 4, H, "《建设工程安全生产管理条例》"),
        ]),
    ]),
    ("市政设施", [
        ("道路设施", [
            ("车行道破损", "city", "lj-housing", 3, D, ROADM + "第二十一条"),
            ("路面塌陷", "city", "lj-housing", 2, H, ROADM + "第二十二条"),
            ("人行道破损", "city", "lj-housing", 5, D, ROADM + "第二十一条"),
        ]),
        ("井盖设施", [
            ("井盖缺失", "city", "lj-housing", 2, H, ROADM + "第二十二条"),
            ("井盖破损移位", "city", "lj-housing", 1, D, ROADM + "第二十二条"),
        ]),
        ("照明设施", [
            ("路灯不亮", "city", "lj-cityadmin", 2, D, LIGHT),
            ("景观灯故障", "city", "lj-cityadmin", 3, D, LIGHT),
        ]),
        ("排水设施", [
            ("排水管道堵塞", "city", "lj-water", 1, D, DRAIN + "第三十六条"),
            ("雨水口堵塞", "city", "lj-water", 1, D, DRAIN + "第三十六条"),
            ("窨井冒溢", "city", "lj-water", 4, H, DRAIN + "第三十六条"),
        ]),
        ("桥梁隧道", [
            ("桥梁护栏损坏", "city", "lj-housing", 2, D, ROADM + "第二十三条"),
            ("隧道设施故障", "city", "lj-housing", 1, D, ROADM + "第二十三条"),
        ]),
    ]),
    ("园林绿化", [
        ("绿地管理", [
            ("绿地损毁", "city", "lj-greening", 5, D, GREEN + "第二十条"),
            ("绿地内堆物", "district", "cg", 3, D, GREEN + "第二十条"),
            ("毁绿种菜", "district", "cg", 5, D, GREEN + "第二十条"),
        ]),
        ("树木管理", [
            ("行道树缺株", "city", "lj-greening", 10, D, GREEN + "第二十一条"),
            ("树木病虫害", "city", "lj-greening", 5, D, GREEN + "第二十一条"),
            ("树枝遮挡", "city", "lj-greening", 5, D, GREEN + "第二十一条"),
        ]),
        ("公园管理", [
            ("公园设施损坏", "city", "lj-greening", 3, D, GREEN + "第二十二条"),
        ]),
    ]),
    ("住房管理", [
        ("物业服务", [
            ("物业服务质量", "district", "fg", 10, D, PROP + "第三十五条"),
            ("小区公共设施损坏", "district", "fg", 5, D, PROP + "第五十五条"),
            ("小区违规停车", "district", "fg", 3, D, PROP + "第四十六条"),
        ]),
        ("违法建设", [
            ("违法搭建", "district", "cg", 10, D, PLAN + "第六十四条"),
            ("擅自改变房屋结构", "district", "fg", 5, D, "《住宅室内装饰装修管理办法》"),
        ]),
        ("房屋安全", [
            ("危旧房屋隐患", "district", "fg", 1, D, "《城市危险房屋管理规定》"),
            ("外墙脱落", "district", "fg", 4, H, "《城市危险房屋管理规定》"),
        ]),
        ("租赁管理", [
            ("群租", "district", "fg", 5, D, "《商品房屋租赁管理办法》第八条"),
            ("违规出租地下空间", "district", "fg", 5, D, "《商品房屋租赁管理办法》"),
        ]),
    ]),
    ("市场监管", [
        ("食品安全", [
            ("无证经营食品", "city", "lj-market", 5, D, FOOD + "第三十五条"),
            ("销售过期食品", "city", "lj-market", 3, D, FOOD + "第三十四条"),
            ("餐饮卫生", "city", "lj-market", 5, D, FOOD + "第五十五条"),
        ]),
        ("价格监管", [
            ("价格欺诈", "city", "lj-market", 10, D, PRICE + "第十四条"),
            ("未明码标价", "city", "lj-market", 10, D, PRICE + "第十三条"),
        ]),
        ("产品质量", [
            ("假冒伪劣商品", "city", "lj-market", 10, D, QUALITY + "第五条"),
        ]),
        ("消费维权", [
            ("消费纠纷", "city", "lj-market", 7, D, CONSUMER + "第三十九条"),
            ("预付卡退费", "city", "lj-market", 7, D, CONSUMER + "第五十三条"),
        ]),
    ]),
    ("公共服务", [
        ("供水服务", [
            ("停水", "city", "lj-water", 4, H, SUPPLY + "第二十二条"),
            ("水质异常", "city", "lj-water", 4, H, SUPPLY + "第二十条"),
            ("水压不足", "city", "lj-water", 2, D, SUPPLY + "第二十一条"),
            ("供水管道漏水", "city", "lj-water", 4, H, SUPPLY + "第二十六条"),
        ]),
        ("供电服务", [
            ("停电", "city", "lj-power", 4, H, POWER + "第二十八条"),
            ("电力设施安全隐患", "city", "lj-power", 1, D, "《电力设施保护条例》"),
        ]),
        ("供气服务", [
            ("停气", "city", "lj-gas", 4, H, GAS + "第二十条"),
        ]),
        ("公共文体设施", [
            ("健身器材损坏", "district", "", 5, D, "《公共文化体育设施条例》"),
        ]),
        ("通信设施", [
            ("通信线缆凌乱", "city", "lj-cityadmin", 10, D, "《临江市架空线管理办法》"),
        ]),
    ]),
    ("社会治理", [
        ("基层治理", [
            ("邻里纠纷", "district", "", 5, D, "《中华人民共和国人民调解法》"),
            ("违规养犬", "city", "lj-police", 3, D, "《临江市养犬管理条例》"),
            ("流浪乞讨人员救助", "city", "lj-civil", 4, H, "《城市生活无着的流浪乞讨人员救助管理办法》"),
        ]),
    ]),
    ("卫生健康", [
        ("公共卫生", [
            ("病媒生物孳生", "city", "lj-health", 5, D, "《病媒生物预防控制管理规定》"),
            ("医疗服务投诉", "city", "lj-health", 10, D, "《医疗纠纷预防和处理条例》"),
            ("非法行医", "city", "lj-health", 5, D, "《中华人民共和国医师法》"),
        ]),
    ]),
]


def _catalog():
    out = []
    for i, (cat, subs) in enumerate(RAW, start=1):
        children = []
        for j, (sub, items) in enumerate(subs, start=1):
            rows = [(f"{i:02d}{j:02d}{k:02d}", name, level, dept, limit, unit, basis)
                    for k, (name, level, dept, limit, unit, basis) in enumerate(items, start=1)]
            children.append((f"{i:02d}{j:02d}", sub, rows))
        out.append((f"{i:02d}", cat, children))
    return out


# (code, name, [(subcategory code, name, [(item code, name, level, department, limit, unit, basis)])])
CATALOG = _catalog()
_BY_NAME = {item[1]: item[0] for _, _, subs in CATALOG for _, _, items in subs for item in items}

# Street offices that handle a district-wide matter themselves (item code -> [(street, department)]).
STREET_RULES = {
    _BY_NAME["占道经营"]: [("jd-bh", "jd-bh"), ("jx-gl", "jx-gl")],
    _BY_NAME["流动摊贩"]: [("jd-bh", "jd-bh")],
    _BY_NAME["邻里纠纷"]: [("jd-bh", "jd-bh"), ("jd-wy", "jd-wy"), ("jx-gl", "jx-gl")],
}

# (code, name, owner department, [(item code, name, category, standard item name or None)])
DOMAIN_CATALOGS = [
    ("hotline-12345", "12345 热线诉求分类", "lj", [
        ("RX-0101", "噪音扰民-工地施工", "环境保护", "建筑施工噪声"),
        ("RX-0102", "噪音扰民-商铺音响", "环境保护", "社会生活噪声（商业经营）"),
        ("RX-0103", "噪音扰民-KTV酒吧", "环境保护", "社会生活噪声（文化娱乐场所）"),
        ("RX-0104", "噪音扰民-邻居", "环境保护", "社会生活噪声（邻里生活）"),
        ("RX-0105", "噪音扰民-装修", "环境保护", "室内装修噪声"),
        ("RX-0201", "马路上有积水", "防汛", "道路积水"),
        ("RX-0202", "小区里淹水", "防汛", "小区积水"),
        ("RX-0301", "路灯坏了", "市政", "路灯不亮"),
        ("RX-0302", "井盖丢了", "市政", "井盖缺失"),
        ("RX-0303", "路面塌了", "市政", "路面塌陷"),
        ("RX-0401", "小贩占道", "市容", "占道经营"),
        ("RX-0402", "垃圾没人收", "市容", "暴露垃圾"),
        ("RX-0501", "电梯关人", "安全", "电梯困人"),
        ("RX-0502", "闻到煤气味", "安全", "燃气泄漏"),
        ("RX-0601", "停水了", "公共服务", "停水"),
        ("RX-0602", "停电了", "公共服务", "停电"),
        ("RX-0701", "物业不作为", "住房", "物业服务质量"),
        ("RX-0702", "群租房", "住房", "群租"),
        ("RX-0801", "商家乱收费", "市场", "价格欺诈"),
        ("RX-0901", "政策咨询", "其他", None),
        ("RX-0902", "表扬建议", "其他", None),
    ]),
    ("cityadmin-cases", "城管执法案件分类", "lj-cityadmin", [
        ("CG-01", "无证设摊", "市容秩序", "流动摊贩"),
        ("CG-02", "跨门营业", "市容秩序", "店外经营"),
        ("CG-03", "乱贴小广告", "市容秩序", "乱张贴小广告"),
        ("CG-04", "违法建筑", "规划建设", "违法搭建"),
        ("CG-05", "渣土偷倒", "环境卫生", "建筑垃圾乱倒"),
        ("CG-06", "油烟扰民", "环境保护", "餐饮油烟"),
        ("CG-07", "户外广告违规", "市容秩序", "违规设置户外广告"),
        ("CG-08", "占用绿地", "绿化", None),
    ]),
]
DOMAIN_CATALOGS = [
    (code, name, owner, [(c, n, cat, _BY_NAME[m] if m else None) for c, n, cat, m in items])
    for code, name, owner, items in DOMAIN_CATALOGS
]
