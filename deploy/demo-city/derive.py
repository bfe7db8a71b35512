#!/usr/bin/env python3
"""Derives the demo organisation data of Duban from the real Boston 311 cases.

Reads (standard library only):
  deploy/demo-city/boston-type-map.json          the hand-made taxonomy: classes, sub-classes
                                                 (names, tier, default unit, keywords) and the
                                                 Boston TYPE values each sub-class stands for
  <repo>/../shared/data/boston-311-2015/cases-2015-01-to-09.csv.gz
                                                 93,963 real cases (streamed, never loaded whole)
  the demo organisation defined below (UNITS, people)

Writes:
  libs/intake/src/seed/categories.json           taxonomy + Boston statistics per sub-class
  libs/intake/src/seed/boston-sample.csv.gz      ~3,000 cases, evenly spaced over the arrival
                                                 order (OPEN_DT), all columns, byte-for-byte rows
  libs/dispatch/src/seed/demo-city.json          units, people (A/B posts, heads), routing rules
  deploy/keycloak/duban-realm.json               adds the missing groups (one per unit) and
                                                 users (one per person); everything already
                                                 there is kept as it is

and prints a coverage summary (share of Boston cases whose TYPE maps to a sub-class, cases
per class, routing agreement with Boston's departments, tier evidence).

  python3 deploy/demo-city/derive.py            # derive everything (needs ../shared)
  python3 deploy/demo-city/derive.py --check    # validate the files in the repository only

Without ../shared it says so in one line and exits 2. Re-running on the same inputs gives
byte-identical outputs (the gzip header carries no time stamp or file name).
"""
import argparse
import csv
import datetime
import gzip
import io
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_CSV = REPO.parent / "shared" / "data" / "boston-311-2015" / "cases-2015-01-to-09.csv.gz"
TYPE_MAP = HERE / "boston-type-map.json"
CATEGORIES = REPO / "libs" / "intake" / "src" / "seed" / "categories.json"
SAMPLE = REPO / "libs" / "intake" / "src" / "seed" / "boston-sample.csv.gz"
DEMO_CITY = REPO / "libs" / "dispatch" / "src" / "seed" / "demo-city.json"
REALM = REPO / "deploy" / "keycloak" / "duban-realm.json"

WEEK = REPO / "libs" / "intake" / "src" / "seed" / "boston-week.csv.gz"
# One ordinary week, every case in it: the demo replay's default without ../shared (real bursts and rate).
WEEK_FROM, WEEK_TO = datetime.datetime(2015, 5, 4), datetime.datetime(2015, 5, 11)
SAMPLE_ROWS = 3000
SAMPLE_MAX_BYTES = 400 * 1024
MIN_TARGETS = 10  # fewer cases with a TARGET_DT than this: no median, no on-time share
CATEGORY_CODE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")
UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TIERS = ("immediate", "general", "complex")
DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"

# --- the demo organisation: 明湖市 (Minghu, a fictional city) -----------------------------------
CITY_ZH, CITY_EN = "明湖市", "Minghu"
DEMO_CITY_VERSION = 2  # bump when units, people or rules change (the seed loader re-applies on a new version)

# (id, nameZh, nameEn, parentId, kind). The first ten ids are those of the dispatch schema
# migration and keep their names there.
UNITS = [
    ("city", "明湖市人民政府", "Minghu Municipal People's Government", None, "government"),
    ("supervision-office", "督查室", "Supervision Office", "city", "office"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "city", "bureau"),
    ("water", "水务局", "Water Bureau", "city", "bureau"),
    ("transport", "交通运输局", "Transport Bureau", "city", "bureau"),
    ("environment", "生态环境局", "Ecology and Environment Bureau", "city", "bureau"),
    ("urban-management", "城市管理局", "Urban Management Bureau", "city", "bureau"),
    ("public-works", "市政工程局", "Public Works Bureau", "city", "bureau"),
    ("parks", "园林绿化局", "Parks and Greening Bureau", "city", "bureau"),
    ("inspection", "检查服务局", "Inspection Services Bureau", "city", "bureau"),
    ("market-regulation", "市场监督管理局", "Market Regulation Administration", "city", "bureau"),
    ("human-resources", "人力资源和社会保障局", "Human Resources and Social Security Bureau", "city", "bureau"),
    ("health", "卫生健康委员会", "Health Commission", "city", "bureau"),
    ("medical-security", "医疗保障局", "Healthcare Security Bureau", "city", "bureau"),
    ("emergency", "应急管理局", "Emergency Management Bureau", "city", "bureau"),
    ("fire-rescue", "消防救援支队", "Fire and Rescue Detachment", "city", "bureau"),
    ("public-security", "公安局", "Public Security Bureau", "city", "bureau"),
    ("public-security-traffic", "公安局交通警察支队", "Traffic Police Detachment", "city", "bureau"),
    ("education", "教育局", "Education Bureau", "city", "bureau"),
    ("civil-affairs", "民政局", "Civil Affairs Bureau", "city", "bureau"),
    ("natural-resources", "自然资源和规划局", "Natural Resources and Planning Bureau", "city", "bureau"),
    ("industry-it", "工业和信息化局", "Industry and Information Technology Bureau", "city", "bureau"),
    ("culture-tourism", "文化广电旅游局", "Culture, Radio, Television and Tourism Bureau", "city", "bureau"),
    ("government-services", "政务服务和数据管理局", "Government Services and Data Administration", "city", "bureau"),
    ("hudong", "湖东区人民政府", "Hudong District Government", "city", "district"),
    ("hudong-wanghu", "望湖街道办事处", "Wanghu Subdistrict Office", "hudong", "subdistrict"),
    ("hudong-dongmen", "东门街道办事处", "Dongmen Subdistrict Office", "hudong", "subdistrict"),
    ("hudong-liuan", "柳岸街道办事处", "Liu'an Subdistrict Office", "hudong", "subdistrict"),
    ("huxi", "湖西区人民政府", "Huxi District Government", "city", "district"),
    ("huxi-xicheng", "西城街道办事处", "Xicheng Subdistrict Office", "huxi", "subdistrict"),
    ("huxi-guixiang", "桂香街道办事处", "Guixiang Subdistrict Office", "huxi", "subdistrict"),
    ("huxi-fenglin", "枫林街道办事处", "Fenglin Subdistrict Office", "huxi", "subdistrict"),
    ("xingang", "新港区人民政府", "Xingang District Government", "city", "district"),
    ("xingang-gangwan", "港湾街道办事处", "Gangwan Subdistrict Office", "xingang", "subdistrict"),
    ("xingang-haiyun", "海韵街道办事处", "Haiyun Subdistrict Office", "xingang", "subdistrict"),
    ("xingang-binjiang", "滨江街道办事处", "Binjiang Subdistrict Office", "xingang", "subdistrict"),
]
STAFFED_KINDS = ("bureau", "district", "subdistrict")

# The people that existed before the demo city (tests, load scripts and the realm use them):
# (username, nameZh, nameEn, unitId, post, role). Their realm entries are left untouched.
EXISTING_PEOPLE = [
    ("citizen1", "市民一号", "Citizen One", None, None, "reporter"),
    ("operator1", "话务员一号", "Operator One", "city", None, "operator"),
    ("dispatcher1", "派单员一号", "Dispatcher One", "supervision-office", None, "dispatcher"),
    ("handler-housing-a", "住建局A岗经办人", "Handler Housing A", "housing", "A", "handler"),
    ("handler-housing-b", "住建局B岗经办人", "Handler Housing B", "housing", "B", "handler"),
    ("head-housing", "住建局负责人", "Head Housing", "housing", "head", "unit-head"),
    ("handler-water-a", "水务局A岗经办人", "Handler Water A", "water", "A", "handler"),
    ("head-water", "水务局负责人", "Head Water", "water", "head", "unit-head"),
    ("supervisor1", "督查员一号", "Supervisor One", "supervision-office", None, "supervisor"),
    ("assessor1", "考核员一号", "Assessor One", "supervision-office", None, "assessor"),
    ("admin1", "系统管理员", "Admin One", None, None, "admin"),
]

# Invented names for the new people, combined deterministically: (hanzi, pinyin).
SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"),
    ("罗", "Luo"), ("高", "Gao"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
    ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("袁", "Yuan"), ("潘", "Pan"),
    ("蒋", "Jiang"), ("蔡", "Cai"), ("杜", "Du"), ("叶", "Ye"), ("程", "Cheng"), ("苏", "Su"),
    ("魏", "Wei"), ("丁", "Ding"), ("任", "Ren"), ("沈", "Shen"), ("姚", "Yao"), ("方", "Fang"),
]
GIVEN_NAMES = [
    ("建国", "Jianguo"), ("丽华", "Lihua"), ("志强", "Zhiqiang"), ("秀英", "Xiuying"), ("海燕", "Haiyan"),
    ("伟", "Wei"), ("静", "Jing"), ("磊", "Lei"), ("敏", "Min"), ("晓东", "Xiaodong"), ("雪梅", "Xuemei"),
    ("文博", "Wenbo"), ("子涵", "Zihan"), ("浩然", "Haoran"), ("思琪", "Siqi"), ("俊杰", "Junjie"),
    ("欣怡", "Xinyi"), ("明辉", "Minghui"), ("红霞", "Hongxia"), ("立新", "Lixin"), ("春梅", "Chunmei"),
    ("国栋", "Guodong"), ("玉兰", "Yulan"), ("建华", "Jianhua"), ("晓燕", "Xiaoyan"), ("德明", "Deming"),
    ("宏伟", "Hongwei"), ("佳慧", "Jiahui"), ("志刚", "Zhigang"), ("婷婷", "Tingting"), ("永强", "Yongqiang"),
    ("丹", "Dan"), ("鹏", "Peng"), ("晨", "Chen"), ("雨欣", "Yuxin"), ("嘉怡", "Jiayi"), ("振华", "Zhenhua"),
    ("淑芬", "Shufen"), ("家豪", "Jiahao"), ("梦瑶", "Mengyao"), ("天宇", "Tianyu"), ("凤英", "Fengying"),
    ("学军", "Xuejun"), ("慧敏", "Huimin"), ("桂芳", "Guifang"), ("少华", "Shaohua"), ("光明", "Guangming"),
    ("亚楠", "Yanan"), ("卫东", "Weidong"), ("美玲", "Meiling"), ("文静", "Wenjing"), ("国强", "Guoqiang"),
    ("秀兰", "Xiulan"),
]

POSTS = (("A", "handler-{}-a", "handler"), ("B", "handler-{}-b", "handler"), ("head", "head-{}", "unit-head"))


def fail(msg):
    print(f"derive.py: {msg}", file=sys.stderr)
    sys.exit(1)


def dumps(o, ind=0, width=120):
    """JSON with 2-space indents; a container that fits on one line stays on one line,
    except objects holding lists of objects."""
    one = json.dumps(o, ensure_ascii=False)
    nested = isinstance(o, dict) and any(isinstance(v, list) and v and isinstance(v[0], dict) for v in o.values())
    if not isinstance(o, (dict, list)) or not o or (len(one) + 2 * ind <= width and not nested):
        return one
    pad, pad1 = "  " * ind, "  " * (ind + 1)
    if isinstance(o, dict):
        body = ",\n".join(f"{pad1}{json.dumps(k, ensure_ascii=False)}: {dumps(v, ind + 1, width)}" for k, v in o.items())
        return "{\n" + body + f"\n{pad}}}"
    return "[\n" + ",\n".join(pad1 + dumps(v, ind + 1, width) for v in o) + f"\n{pad}]"


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the organisation ---------------------------------------------------------------------------
def unit_dicts():
    return [{"id": i, "nameZh": zh, "nameEn": en, "parentId": p, "kind": k} for i, zh, en, p, k in UNITS]


def people():
    out = [
        {"username": u, "nameZh": zh, "nameEn": en, "unitId": unit, "post": post, "roles": [role]}
        for u, zh, en, unit, post, role in EXISTING_PEOPLE
    ]
    taken = {p["username"] for p in out}
    used_names = set()
    n = 0

    def next_name():
        nonlocal n
        while True:
            s = SURNAMES[(n * 7) % len(SURNAMES)]
            g = GIVEN_NAMES[(n * 11 + n // len(SURNAMES)) % len(GIVEN_NAMES)]
            n += 1
            if s[0] + g[0] not in used_names:
                used_names.add(s[0] + g[0])
                return s, g

    for uid, _zh, _en, _parent, kind in UNITS:
        if kind not in STAFFED_KINDS:
            continue
        for post, pattern, role in POSTS:
            username = pattern.format(uid)
            if username in taken:
                continue
            (szh, sen), (gzh, gen) = next_name()
            out.append({"username": username, "nameZh": szh + gzh, "nameEn": f"{sen} {gen}",
                        "unitId": uid, "post": post, "roles": [role]})
            taken.add(username)
    return out


# --- the taxonomy -------------------------------------------------------------------------------
def load_type_map():
    m = json.loads(TYPE_MAP.read_text(encoding="utf-8"))
    units = {u[0] for u in UNITS}
    codes, type_owner = set(), {}
    for c in m["classes"]:
        if not CATEGORY_CODE.match(c["code"]) or "." in c["code"]:
            fail(f"bad class code {c['code']!r}")
        for s in c["subclasses"]:
            code = s["code"]
            if not (CATEGORY_CODE.match(code) and len(code) <= 80 and code.startswith(c["code"] + ".")):
                fail(f"bad sub-class code {code!r}")
            if code in codes:
                fail(f"duplicate sub-class {code}")
            codes.add(code)
            if s["tier"] not in TIERS:
                fail(f"{code}: tier {s['tier']!r}")
            if s["defaultUnit"] not in units:
                fail(f"{code}: unknown unit {s['defaultUnit']!r}")
            for t in s["bostonTypes"]:
                if t in type_owner:
                    fail(f"Boston TYPE {t!r} mapped twice ({type_owner[t]}, {code})")
                type_owner[t] = code
    return m, type_owner


# --- the Boston data ----------------------------------------------------------------------------
def parse_dt(s):
    return datetime.datetime.strptime(s, DATE_FORMAT) if s else None


def read_boston():
    """One streaming pass: per-TYPE statistics and the row count."""
    stats = defaultdict(lambda: {"cases": 0, "targets": [], "ontime": 0, "overdue": 0, "departments": Counter()})
    total = 0
    POINTS.clear()
    prev = None
    with gzip.open(SHARED_CSV, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            total += 1
            st = stats[row["TYPE"]]
            st["cases"] += 1
            st["departments"][row["Department"]] += 1
            try:
                lat, lon = float(row["LATITUDE"]), float(row["LONGITUDE"])
                # Boston's geocoder puts cases without a place at its city-hall default (42.3594, -71.0587).
                if 42.2 < lat < 42.45 and -71.2 < lon < -70.95 and (lat, lon) != (42.3594, -71.0587):
                    POINTS.append((lon, lat))
            except ValueError:
                pass
            opened, target = parse_dt(row["OPEN_DT"]), parse_dt(row["TARGET_DT"])
            if prev and opened < prev:
                fail("the Boston file is not sorted by OPEN_DT")
            prev = opened
            if target:
                st["targets"].append((target - opened).total_seconds() / 3600)
                if row["OnTime_Status"] == "ONTIME":
                    st["ontime"] += 1
                elif row["OnTime_Status"] == "OVERDUE":
                    st["overdue"] += 1
    return stats, total


def gzip_rows(rows, header):
    """CSV rows (CRLF, as in the source) gzipped without a time stamp, so re-runs are byte-identical."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    return raw.getvalue()


def write_week():
    """Every case opened in the week [WEEK_FROM, WEEK_TO), rows copied as they are."""
    with gzip.open(SHARED_CSV, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        at = header.index("OPEN_DT")
        rows = [r for r in reader if WEEK_FROM <= datetime.datetime.strptime(r[at], DATE_FORMAT) < WEEK_TO]
    data = gzip_rows(rows, header)
    if len(data) > SAMPLE_MAX_BYTES:
        fail(f"week sample is {len(data)} bytes, over {SAMPLE_MAX_BYTES}")
    WEEK.write_bytes(data)
    return len(rows), len(data)


def write_sample(total):
    """Every (total/SAMPLE_ROWS)-th case in arrival order, rows copied as they are."""
    picks = {(j * total) // SAMPLE_ROWS for j in range(SAMPLE_ROWS)}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # reproduces the source rows byte for byte
    with gzip.open(SHARED_CSV, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i in picks:
                writer.writerow(row)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    data = raw.getvalue()
    if len(data) > SAMPLE_MAX_BYTES:
        fail(f"sample is {len(data)} bytes, over {SAMPLE_MAX_BYTES}")
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE.write_bytes(data)
    return len(picks), len(data)


def boston_block(types, stats):
    targets = [h for t in types for h in stats[t]["targets"]]
    ontime = sum(stats[t]["ontime"] for t in types)
    overdue = sum(stats[t]["overdue"] for t in types)
    enough = len(targets) >= MIN_TARGETS
    return {
        "types": types,
        "cases": sum(stats[t]["cases"] for t in types),
        "medianTargetHours": round(statistics.median(targets), 1) if enough else None,
        "onTimeShare": round(ontime / (ontime + overdue), 3) if enough and ontime + overdue else None,
    }


def build_categories(tmap, stats, total):
    classes = []
    mapped_cases = sum(stats[t]["cases"] for c in tmap["classes"] for s in c["subclasses"] for t in s["bostonTypes"])
    mapped_types = sum(len(s["bostonTypes"]) for c in tmap["classes"] for s in c["subclasses"])
    with_types = sum(1 for c in tmap["classes"] for s in c["subclasses"] if s["bostonTypes"])
    n_sub = sum(len(c["subclasses"]) for c in tmap["classes"])
    for c in tmap["classes"]:
        subs = []
        for s in c["subclasses"]:
            subs.append({
                "code": s["code"], "nameZh": s["nameZh"], "nameEn": s["nameEn"], "tier": s["tier"],
                "defaultUnit": s["defaultUnit"], "keywords": s["keywords"],
                "boston": boston_block(s["bostonTypes"], stats),
            })
        classes.append({"code": c["code"], "nameZh": c["nameZh"], "nameEn": c["nameEn"], "subclasses": subs})
    derived = (f"Boston 311, Jan–Sep 2015 ({total:,} cases, {len(stats)} TYPE values; {mapped_types} types = "
               f"{mapped_cases:,} cases ({100 * mapped_cases / total:.2f} %) mapped to {with_types} of {n_sub} "
               f"sub-classes; medianTargetHours = median of TARGET_DT − OPEN_DT, onTimeShare = ONTIME / "
               f"(ONTIME + OVERDUE), both over the cases that have a TARGET_DT, "
               f"null when fewer than {MIN_TARGETS} have one)")
    return {"version": tmap["version"], "derivedFrom": derived, "classes": classes}


# Where the replayed Boston cases fall: 明湖市 is drawn over Boston's coordinates so that a case with
# only a point lands in a district. Districts are west→east bands of equal case counts (湖西, 湖东,
# 新港 by the harbour), each cut south→north into three subdistricts of equal case counts.
POINTS = []
DISTRICT_BANDS = [("huxi", ["huxi-fenglin", "huxi-guixiang", "huxi-xicheng"]),
                  ("hudong", ["hudong-liuan", "hudong-dongmen", "hudong-wanghu"]),
                  ("xingang", ["xingang-binjiang", "xingang-haiyun", "xingang-gangwan"])]
BOUNDS = (-71.20, 42.22, -70.98, 42.41)  # lon/lat box around Boston
# 属地管理: everyday street matters go to the subdistrict office of the place; without a place, to the bureau.
LOCAL_CATEGORIES = ["urban.street-cleaning", "urban.street-vendor", "urban.road-occupation", "urban.illegal-dumping",
                    "urban.graffiti", "waste.litter-bin", "waste.bulky-item"]


def quantile_cuts(values, parts):
    values = sorted(values)
    return [round(values[(len(values) * k) // parts], 4) for k in range(1, parts)]


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def build_jurisdictions():
    if len(POINTS) < 1000:
        fail("too few Boston coordinates to draw the districts")
    x0, y0, x1, y1 = BOUNDS
    xs = [x0] + quantile_cuts([p[0] for p in POINTS], 3) + [x1]
    names = {u[0]: (u[1], u[2]) for u in UNITS}
    districts = []
    for i, (district, subs) in enumerate(DISTRICT_BANDS):
        zh, en = names[district]
        districts.append({"id": district, "scheme": "district", "nameZh": zh.replace("人民政府", ""),
                          "nameEn": en.replace(" Government", ""), "parentId": None,
                          "area": box(xs[i], y0, xs[i + 1], y1)})
        inside = [p[1] for p in POINTS if xs[i] <= p[0] < xs[i + 1]]
        ys = [y0] + quantile_cuts(inside, 3) + [y1]
        for j, sub in enumerate(subs):
            zh, en = names[sub]
            districts.append({"id": sub, "scheme": "subdistrict", "nameZh": zh.replace("办事处", ""),
                              "nameEn": en.replace(" Office", ""), "parentId": district,
                              "area": box(xs[i], ys[j], xs[i + 1], ys[j + 1])})
    schemes = [{"scheme": "district", "specificity": 1, "nameZh": "区", "nameEn": "District"},
               {"scheme": "subdistrict", "specificity": 2, "nameZh": "街道", "nameEn": "Subdistrict"}]
    return schemes, districts


def build_demo_city(categories):
    rules = [{"category": s["code"], "districtId": None, "unitId": s["defaultUnit"]}
             for c in categories["classes"] for s in c["subclasses"]]
    schemes, districts = build_jurisdictions()
    for code in LOCAL_CATEGORIES:
        for d in districts:
            if d["scheme"] == "subdistrict":
                rules.append({"category": code, "districtId": d["id"], "unitId": d["id"]})
    return {"version": DEMO_CITY_VERSION, "city": {"nameZh": CITY_ZH, "nameEn": CITY_EN}, "units": unit_dicts(),
            "people": people(), "jurisdictionSchemes": schemes, "districts": districts, "routingRules": rules}


# --- the Keycloak realm -------------------------------------------------------------------------
def group_paths(units):
    by_id = {u["id"]: u for u in units}

    def path(uid):
        u = by_id[uid]
        return (path(u["parentId"]) if u["parentId"] else "") + "/" + uid
    return {u["id"]: path(u["id"]) for u in units}


def sync_realm(demo):
    text = REALM.read_text(encoding="utf-8")
    realm = json.loads(text)
    units = demo["units"]
    paths = group_paths(units)
    # Groups: walk the existing tree, add the missing unit groups under their parents.
    index = {}

    def walk(groups):
        for g in groups:
            index[g["path"]] = g
            walk(g.setdefault("subGroups", []))
    walk(realm.setdefault("groups", []))
    for u in units:
        p = paths[u["id"]]
        if p in index:
            continue
        g = {"name": u["id"], "path": p, "attributes": {"unit_id": [u["id"]]}, "subGroups": []}
        if u["parentId"]:
            index[paths[u["parentId"]]]["subGroups"].append(g)
        else:
            realm["groups"].append(g)
        index[p] = g
    # Users: keep every existing user, add the missing people.
    existing = {u["username"] for u in realm.setdefault("users", [])}
    added = 0
    for p in demo["people"]:
        if p["username"] in existing:
            continue
        user = {
            "username": p["username"], "enabled": True, "emailVerified": True,
            "firstName": p["nameZh"][1:], "lastName": p["nameZh"][0],
            "email": f"{p['username']}@duban.local",
            "credentials": [{"type": "password", "value": "duban-demo", "temporary": False}],
            "requiredActions": [], "realmRoles": ["default-roles-duban", *p["roles"]],
        }
        if p["unitId"]:
            user["attributes"] = {"unit_id": [p["unitId"]]}
        if set(p["roles"]) != {"reporter"}:
            # Clearance (docs/security.md): unit heads secret, other staff internal.
            user.setdefault("attributes", {})["clearance"] = ["secret" if "unit-head" in p["roles"] else "internal"]
        user["groups"] = [paths[p["unitId"]]] if p["unitId"] else []
        realm["users"].append(user)
        added += 1
    new_text = json.dumps(realm, indent=2, ensure_ascii=False) + "\n"
    if new_text != text:
        REALM.write_text(new_text, encoding="utf-8")
    return added


# --- validation ---------------------------------------------------------------------------------
REQUIRED_CATEGORIES = {
    "water.leak": "immediate", "water.no-supply": "immediate", "housing.repair": "general",
    "housing.property-dispute": "complex", "transport.signal-fault": "immediate",
    "transport.road-damage": "general", "environment.noise": "general", "environment.pollution": "complex",
    "urban.illegal-construction": "complex", "urban.street-cleaning": "general",
    "parks.tree-hazard": "immediate", "public-works.streetlight": "general",
}
REQUIRED_UNITS = {"city": "government", "supervision-office": "office", "housing": "bureau", "water": "bureau",
                  "transport": "bureau", "environment": "bureau", "urban-management": "bureau",
                  "public-works": "bureau", "parks": "bureau", "inspection": "bureau"}


def validate():
    problems = []
    cat = json.loads(CATEGORIES.read_text(encoding="utf-8"))
    demo = json.loads(DEMO_CITY.read_text(encoding="utf-8"))
    realm = json.loads(REALM.read_text(encoding="utf-8"))
    subs = {s["code"]: s for c in cat["classes"] for s in c["subclasses"]}
    units = {u["id"]: u for u in demo["units"]}
    if len(cat["classes"]) < 12:
        problems.append(f"only {len(cat['classes'])} classes")
    if len(subs) < 80:
        problems.append(f"only {len(subs)} sub-classes")
    for code, s in subs.items():
        if not CATEGORY_CODE.match(code) or len(code) > 80:
            problems.append(f"bad code {code}")
        if s["tier"] not in TIERS:
            problems.append(f"{code}: bad tier")
        if s["defaultUnit"] not in units:
            problems.append(f"{code}: default unit {s['defaultUnit']} missing")
    for code, tier in REQUIRED_CATEGORIES.items():
        if code not in subs or subs[code]["tier"] != tier:
            problems.append(f"required category {code} ({tier}) missing or re-tiered")
    for uid, u in units.items():
        if not UNIT_ID.match(uid):
            problems.append(f"bad unit id {uid}")
        if u["parentId"] is not None and u["parentId"] not in units:
            problems.append(f"unit {uid}: parent {u['parentId']} missing")
    for uid, kind in REQUIRED_UNITS.items():
        if uid not in units or units[uid]["kind"] != kind:
            problems.append(f"required unit {uid} ({kind}) missing")
    bureaus = [u for u in units.values() if u["kind"] == "bureau" and u["parentId"] == "city"]
    if len(bureaus) < 12:
        problems.append(f"only {len(bureaus)} bureaus")
    districts = [u for u in units.values() if u["kind"] == "district"]
    if len(districts) < 2 or any(sum(1 for s in units.values() if s["parentId"] == d["id"] and s["kind"] == "subdistrict") < 3
                                 for d in districts):
        problems.append("need 2+ districts with 3+ subdistricts each")
    district_ids = {d["id"] for d in demo["districts"]}
    scheme_ids = {s["scheme"] for s in demo["jurisdictionSchemes"]}
    for d in demo["districts"]:
        if d["scheme"] not in scheme_ids or (d["parentId"] is not None and d["parentId"] not in district_ids):
            problems.append(f"district {d['id']}: unknown scheme or parent")
    keys = Counter((r["category"], r["districtId"]) for r in demo["routingRules"])
    for r in demo["routingRules"]:
        if r["unitId"] not in units:
            problems.append(f"rule {r['category']} → missing unit {r['unitId']}")
        if r["category"] not in subs:
            problems.append(f"rule for unknown category {r['category']}")
        elif r["districtId"] is None and subs[r["category"]]["defaultUnit"] != r["unitId"]:
            problems.append(f"rule {r['category']} disagrees with its defaultUnit")
        if r["districtId"] is not None and r["districtId"] not in district_ids:
            problems.append(f"rule {r['category']} names unknown district {r['districtId']}")
    for key, n in keys.items():
        if n != 1:
            problems.append(f"{key} has {n} routing rules")
    for code in subs:
        if keys[(code, None)] != 1:
            problems.append(f"category {code} has no city-wide routing rule")
    people_by = {p["username"]: p for p in demo["people"]}
    for p in demo["people"]:
        if p["unitId"] is not None and p["unitId"] not in units:
            problems.append(f"{p['username']}: unit {p['unitId']} missing")
    for u in units.values():
        if u["kind"] in ("bureau", "subdistrict"):
            for post, pattern, role in POSTS:
                p = people_by.get(pattern.format(u["id"]))
                if not p or p["unitId"] != u["id"] or p["post"] != post or p["roles"] != [role]:
                    problems.append(f"unit {u['id']}: {pattern.format(u['id'])} missing or wrong")
    for u, _zh, _en, unit, post, role in EXISTING_PEOPLE + [("handler-water-b", "", "", "water", "B", "handler")]:
        p = people_by.get(u)
        if not p or p["unitId"] != unit or p["roles"] != [role] or p["post"] != post:
            problems.append(f"required person {u} missing or changed")
    # realm
    groups = {}

    def walk(gs):
        for g in gs:
            groups[g["path"]] = g
            walk(g.get("subGroups", []))
    walk(realm.get("groups", []))
    group_units = {g.get("attributes", {}).get("unit_id", [None])[0]: path for path, g in groups.items()}
    for uid in units:
        if uid not in group_units:
            problems.append(f"realm: no group for unit {uid}")
    realm_users = {u["username"]: u for u in realm["users"]}
    for p in demo["people"]:
        ru = realm_users.get(p["username"])
        if not ru:
            problems.append(f"realm: user {p['username']} missing")
            continue
        unit = (ru.get("attributes") or {}).get("unit_id", [None])[0]
        if unit != p["unitId"]:
            problems.append(f"realm: {p['username']} unit_id {unit} ≠ {p['unitId']}")
        if not set(p["roles"]) <= set(ru.get("realmRoles", [])) or "default-roles-duban" not in ru.get("realmRoles", []):
            problems.append(f"realm: {p['username']} roles")
    for ru in realm["users"]:
        unit = (ru.get("attributes") or {}).get("unit_id", [None])[0]
        if unit is not None and unit not in group_units:
            problems.append(f"realm: {ru['username']} unit_id {unit} has no group")
        for gp in ru.get("groups", []):
            if gp not in groups:
                problems.append(f"realm: {ru['username']} group {gp} missing")
        if unit is not None and ru.get("groups") != [group_units[unit]]:
            problems.append(f"realm: {ru['username']} is not in the group of its unit")
    if SAMPLE.exists() and SAMPLE.stat().st_size > SAMPLE_MAX_BYTES:
        problems.append("boston sample too big")
    return problems, cat, demo


# --- summary ------------------------------------------------------------------------------------
def summary(tmap, stats, total, categories, demo, sample_rows, sample_bytes, realm_added):
    mapped = {t for c in tmap["classes"] for s in c["subclasses"] for t in s["bostonTypes"]}
    mapped_cases = sum(stats[t]["cases"] for t in mapped)
    print(f"Boston 311 2015: {total:,} cases, {len(stats)} TYPE values")
    print(f"coverage: {len(mapped)}/{len(stats)} types, {mapped_cases:,}/{total:,} cases = "
          f"{100 * mapped_cases / total:.2f} % mapped to a sub-class")
    unmapped = sorted(((stats[t]["cases"], t) for t in stats if t not in mapped), reverse=True)
    if unmapped:
        print("unmapped types: " + ", ".join(f"{t} ({n})" for n, t in unmapped))
    n_sub = sum(len(c["subclasses"]) for c in categories["classes"])
    tiers = Counter(s["tier"] for c in categories["classes"] for s in c["subclasses"])
    print(f"taxonomy: {len(categories['classes'])} classes, {n_sub} sub-classes "
          f"({', '.join(f'{k} {tiers[k]}' for k in TIERS)}), "
          f"{sum(1 for c in categories['classes'] for s in c['subclasses'] if s['boston']['types'])} with Boston types")
    print(f"{'class':<15}{'sub':>4}{'cases':>8}{'share':>8}")
    for c in sorted(categories["classes"], key=lambda c: -sum(s["boston"]["cases"] for s in c["subclasses"])):
        n = sum(s["boston"]["cases"] for s in c["subclasses"])
        print(f"{c['code']:<15}{len(c['subclasses']):>4}{n:>8,}{100 * n / total:>7.1f}%")
    tier_cases = Counter()
    for c in categories["classes"]:
        for s in c["subclasses"]:
            tier_cases[s["tier"]] += s["boston"]["cases"]
    print("Boston cases by tier: " + ", ".join(f"{k} {100 * tier_cases[k] / total:.1f} %" for k in TIERS))
    # Routing agreement: the Boston department of each mapped case vs the demo default unit.
    dept_units = tmap["departmentUnits"]
    agree, moved = 0, Counter()
    for c in tmap["classes"]:
        for s in c["subclasses"]:
            for t in s["bostonTypes"]:
                for d, n in stats[t]["departments"].items():
                    if dept_units.get(d) == s["defaultUnit"]:
                        agree += n
                    else:
                        moved[(d, s["defaultUnit"])] += n
    print(f"routing agreement with Boston's departments (via departmentUnits): "
          f"{100 * agree / mapped_cases:.1f} % of mapped cases; largest differences: "
          + ", ".join(f"{d}→{u} {n:,}" for (d, u), n in moved.most_common(8)))
    notes = []
    for c in categories["classes"]:
        for s in c["subclasses"]:
            med = s["boston"]["medianTargetHours"]
            if med is None:
                continue
            if s["tier"] == "immediate" and med > 72:
                notes.append(f"{s['code']} immediate, Boston median target {med} h")
            if s["tier"] != "immediate" and med <= 24:
                notes.append(f"{s['code']} {s['tier']}, Boston median target {med} h")
    if notes:
        print("tier vs Boston target (deliberate, see docs/demo-city.md): " + "; ".join(notes))
    kinds = Counter(u["kind"] for u in demo["units"])
    print(f"demo city {CITY_ZH}: {len(demo['units'])} units ({', '.join(f'{k} {n}' for k, n in kinds.items())}), "
          f"{len(demo['people'])} people, {len(demo['districts'])} districts, {len(demo['routingRules'])} routing rules; realm: {realm_added} users added")
    print(f"sample: {sample_rows} rows, {sample_bytes:,} bytes → {SAMPLE.relative_to(REPO)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only validate the files in the repository")
    args = ap.parse_args()
    if args.check:
        problems, cat, demo = validate()
        for p in problems:
            print("PROBLEM: " + p)
        print(f"check: {len(cat['classes'])} classes, {sum(len(c['subclasses']) for c in cat['classes'])} sub-classes, "
              f"{len(demo['units'])} units, {len(demo['people'])} people, {len(problems)} problems")
        sys.exit(1 if problems else 0)
    if not SHARED_CSV.is_file():
        print(f"derive.py: Boston data not found at {SHARED_CSV} (../shared is missing); nothing written", file=sys.stderr)
        sys.exit(2)
    tmap, _owner = load_type_map()
    stats, total = read_boston()
    unknown = sorted(t for c in tmap["classes"] for s in c["subclasses"] for t in s["bostonTypes"] if t not in stats)
    if unknown:
        fail(f"mapped TYPE values absent from the data: {unknown}")
    categories = build_categories(tmap, stats, total)
    write_text(CATEGORIES, dumps(categories) + "\n")
    demo = build_demo_city(categories)
    write_text(DEMO_CITY, dumps(demo) + "\n")
    realm_added = sync_realm(demo)
    sample_rows, sample_bytes = write_sample(total)
    week_rows, week_bytes = write_week()
    print(f"week: {week_rows} rows, {week_bytes:,} bytes → {WEEK.relative_to(REPO)}")
    problems, _c, _d = validate()
    summary(tmap, stats, total, categories, demo, sample_rows, sample_bytes, realm_added)
    if problems:
        for p in problems:
            print("PROBLEM: " + p)
        sys.exit(1)


if __name__ == "__main__":
    main()
