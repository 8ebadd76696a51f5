#!/usr/bin/env python3
"""gen_ledger.py: writes the synthetic ledger of the benchmark (bench/README.md) and of the
import throughput measurements. Python 3 standard library only; deterministic for a seed.

    python3 bench/gen_ledger.py DIR BASE_URL [--units 5000] [--problems 1000000]
                                [--open 100000] [--fire 10000] [--day 2026-06-23]
                                [--seed 1] [--vary N] [--encoding utf-8|gbk]

DIR/units.csv     code,name,kind,parent: an office (OFFICE), a leadership (LEADERSHIP),
                  200 departments (D0001...), then towns, streets and parks (L0001...).
DIR/channels.csv  unit,kind,url,secret,mention,rate: one json channel per unit, posting to
                  BASE_URL/json/<code>.
DIR/problems.csv  the problem ledger as an office's Excel saves it: UTF-8 with a BOM, CRLF,
                  Chinese headers, units by code or by exact name, supervisors separated by
                  、 ； or ;, deadlines as 2026-03-31, 2026/3/31 or 2026年3月31日, quoted cells
                  with commas and quotes (never line breaks: the file may be split by lines),
                  progress with %.
                  The first --open rows are 正在办理/阶段办结 (rectifying; 阶段办结 rows are
                  long-term, as SPEC §6 requires), laid out around day
                  D = --day so that a sweep on D after one on D-1 raises exactly --fire of them
                  a stage: 70 % reach 提示 (deadline D+30), 20 % 警示 (deadline D+15, progress
                  < 80), 10 % 督办 (deadline D-1); the others are due after D+30. The rest are
                  已办结 (closed) history rows, closed between 2019-01-01 and D, each due
                  within 200 days before or 60 days after its closing date.
--vary N          every Nth problem's title gets " (修订)": a re-import of such a file over
                  one made without it updates exactly those rows.
"""
import argparse
import csv
import datetime
import os
import random
import sys

LOCAL_KINDS = [("town", "镇"), ("street", "街道"), ("park", "园区")]
LEVELS = ["中央", "省级", "市级", "区级", "central", "provincial", "municipal", "district"]
SOURCES = ["中央督察", "省级督察", "警示片", "媒体曝光", "信访件", "12369热线", "自查"]
CATEGORIES = ["水污染", "大气污染", "固废", "噪声", "生态破坏", "土壤污染"]
HEADER = ["编号", "层级", "问题来源", "类别", "问题", "地址", "主体责任单位", "监管责任单位",
          "整改时限", "长期", "整改措施", "整改目标", "办理状态", "办结日期", "整改进度"]
DEPARTMENTS = 200


def make_units(n):
    """[(code, name, kind, parent)]: office, leadership, departments, then local units."""
    units = [("OFFICE", "区生态环境问题整改办", "office", "LEADERSHIP"),
             ("LEADERSHIP", "区生态环境保护督察整改工作领导小组", "leadership", "")]
    for i in range(1, min(DEPARTMENTS, max(n - 2, 0)) + 1):
        units.append(("D%04d" % i, "区直部门%d" % i, "department", "LEADERSHIP"))
    i = 0
    while len(units) < n:
        i += 1
        kind, zh = LOCAL_KINDS[i % len(LOCAL_KINDS)]
        units.append(("L%04d" % i, "第%d%s" % (i, zh), kind, "LEADERSHIP"))
    return units[:n]


def write_csv(path, header, rows, encoding, bom=False):
    with open(path, "w", newline="", encoding=encoding) as f:
        if bom:
            f.write("\ufeff")
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def fmt_date(rng, day):
    form = rng.randrange(3)
    if form == 0:
        return day.isoformat()
    if form == 1:
        return "%d/%d/%d" % (day.year, day.month, day.day)
    return "%d年%d月%d日" % (day.year, day.month, day.day)


def unit_cell(rng, unit):
    return unit[0] if rng.random() < 0.5 else unit[1]


def open_plan(i, n_open, fire, day, rng):
    """(deadline, progress) of the ith open problem (0-based)."""
    prompt, warn = fire * 7 // 10, fire * 2 // 10
    if i < prompt:
        return day + datetime.timedelta(days=30), rng.randrange(0, 100, 5)
    if i < prompt + warn:
        return day + datetime.timedelta(days=15), rng.randrange(0, 80, 5)
    if i < fire:
        return day - datetime.timedelta(days=1), rng.randrange(0, 100, 5)
    return day + datetime.timedelta(days=31 + rng.randrange(400)), rng.randrange(0, 100, 5)


def closed_plan(rng, day):
    """(deadline, closed_on) of a closed history problem: from 2019 on, before day."""
    start = datetime.date(2019, 1, 1)
    span = (day - start).days - 1
    closed = start + datetime.timedelta(days=rng.randrange(1, span))
    deadline = closed + datetime.timedelta(days=rng.randrange(-200, 60))
    return max(deadline, start), closed


def problem_row(rng, i, args, units, day):
    locals_ = units[2 + DEPARTMENTS:] or units[2:] or units
    depts = units[2:2 + DEPARTMENTS] or units
    main = rng.choice(locals_ if rng.random() < 0.8 else depts)
    sups = [unit_cell(rng, u) for u in rng.sample(depts, min(len(depts), rng.randint(1, 3)))]
    is_open = i < args.open
    if is_open:
        deadline, progress = open_plan(i, args.open, args.fire, day, rng)
        status, closed_on = rng.choice(["正在办理", "阶段办结"]), ""
    else:
        deadline, closed = closed_plan(rng, day)
        progress, status, closed_on = 100, "已办结", fmt_date(rng, closed)
    title = "%s河道非法采砂，\"反复\"发生（第%d号）" % (main[1], i + 1)
    if args.vary and (i + 1) % args.vary == 0:
        title += " (修订)"
    return ["ZY-%07d" % (i + 1), rng.choice(LEVELS), rng.choice(SOURCES),
            rng.choice(CATEGORIES), title, "%s%d号, 东侧" % (main[1], rng.randint(1, 999)),
            unit_cell(rng, main), rng.choice(["、", "；", ";"]).join(sups),
            fmt_date(rng, deadline), "是" if status == "阶段办结" else "否",
            "清理现场, 建立长效机制", "按期完成整改", status,
            closed_on, "%d%%" % progress]


def problem_rows(args, units, day):
    rng = random.Random(args.seed)
    for i in range(args.problems):
        yield problem_row(rng, i, args, units, day)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="output directory")
    ap.add_argument("base_url", help="the json channels post to BASE_URL/json/<code>")
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--problems", type=int, default=1000000)
    ap.add_argument("--open", type=int, default=100000)
    ap.add_argument("--fire", type=int, default=10000)
    ap.add_argument("--day", default="2026-06-23", help="D, YYYY-MM-DD")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vary", type=int, default=0)
    ap.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8")
    args = ap.parse_args()
    if args.units < 3 or not 0 <= args.fire <= args.open <= args.problems:
        ap.error("need --units >= 3 and 0 <= --fire <= --open <= --problems")
    return args


def main():
    args = parse_args()
    day = datetime.date.fromisoformat(args.day)
    enc = "gb18030" if args.encoding == "gbk" else "utf-8"
    bom = enc == "utf-8"
    os.makedirs(args.dir, exist_ok=True)
    units = make_units(args.units)
    base = args.base_url.rstrip("/")
    write_csv(os.path.join(args.dir, "units.csv"), ["code", "name", "kind", "parent"], units,
              enc)
    write_csv(os.path.join(args.dir, "channels.csv"),
              ["unit", "kind", "url", "secret", "mention", "rate"],
              ([u[0], "json", "%s/json/%s" % (base, u[0]), "", "", ""] for u in units), enc)
    write_csv(os.path.join(args.dir, "problems.csv"), HEADER, problem_rows(args, units, day),
              enc, bom)
    return 0


if __name__ == "__main__":
    sys.exit(main())
