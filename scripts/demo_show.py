#!/usr/bin/env python3
"""demo_show.py — print what each unit's work-chat group received during the demo.

Reads the JSON-lines log of tests/harness/receiver.py (one line per webhook request). For the
json channel kind the body is {"channel": <unit code>, "sent_at", "text", "notices": [...]}
(SPEC §8). Each accepted message is printed as

    2026-03-09 周一 → 青山镇 (qingshan) · 督办
        【督办】问题 ZY-2-03「…」已超过整改时限 37 天……

Messages are ordered by date, then by group (in the order of --units), then by arrival.
The date is the duban clock's: the local date of `sent_at` (the --now of the run that sent it),
or, when a message lacks a usable sent_at, the date of the run it arrived in (--marks).

usage: demo_show.py LOG [--units units.csv] [--marks FILE] [--from-line N] [--unit CODE]
                        [--messages | --summary | --both] [--tz-offset HOURS]
  --units FILE      units CSV (code,name,...) for the names of the groups
  --marks FILE      lines "<log line number> <date>": the run starting at that line of LOG ran on
                    that date (written by scripts/demo.sh before each run)
  --from-line N     skip the first N lines of LOG (print only what a run added)
  --unit CODE       only this unit's group (may repeat)
  --messages        the messages (default); --summary: the table of messages per unit and per
                    type; --both: messages, then the table
Python 3 standard library only.
"""

import argparse
import csv
import datetime as dt
import json
import sys
import unicodedata

WEEKDAYS = "一二三四五六日"
STAGES = {"prompt": "提示", "warn": "警示", "supervise": "督办", "interview": "约谈"}
DEDUCTION_LEVELS = {10: "警示函", 20: "约谈分管负责同志", 30: "约谈主要负责同志"}
# Columns of the summary table: (key, heading).
COLUMNS = [("prompt", "提示"), ("warn", "警示"), ("supervise", "督办"), ("interview", "约谈"),
           ("acceptance", "验收催办"), ("closed", "销号"), ("reminder", "提醒"),
           ("missed", "未报"), ("bulletin", "通报"), ("deduction", "扣分"), ("sample", "回头看"),
           ("other", "其他")]


def width(s):
    """Display width in a terminal: East Asian wide and full-width characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def pad(s, n, right=False):
    gap = " " * max(0, n - width(s))
    return gap + s if right else s + gap


def column_of(notice):
    t = notice.get("type", "")
    if t == "escalation":
        return notice.get("stage") if notice.get("stage") in STAGES else "other"
    if t in ("acceptance", "closed", "reminder", "missed", "bulletin", "deduction", "sample"):
        return t
    return "other"


def label_of(notice):
    """A short Chinese label of one notice, for the message's header line."""
    t = notice.get("type", "")
    if t == "escalation":
        s = STAGES.get(notice.get("stage"), notice.get("stage", "?"))
        cyc = notice.get("cycle")
        if notice.get("stage") == "supervise" and isinstance(cyc, int) and cyc > 1:
            s += f"(第{cyc}次)"
        return s
    if t == "acceptance":
        return "验收" + STAGES.get(notice.get("stage"), "")
    if t == "deduction":
        return "扣分·" + DEDUCTION_LEVELS.get(notice.get("level"), str(notice.get("level", "")))
    return {"closed": "销号", "reminder": "提醒", "missed": "未报清单", "bulletin": "通报",
            "sample": "回头看抽查", "test": "测试"}.get(t, t or "?")


def parse_time(s, tz):
    """ISO 8601 with offset (or Z) → aware datetime in tz; None when unusable."""
    if not isinstance(s, str) or not s:
        return None
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.astimezone(tz)


def load_units(path):
    names, order = {}, []
    if not path:
        return names, order
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = (row.get("code") or "").strip()
            if code:
                names[code] = (row.get("name") or code).strip()
                order.append(code)
    return names, order


def load_marks(path):
    marks = []
    if not path:
        return marks
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                marks.append((int(parts[0]), parts[1]))
    marks.sort()
    return marks


def mark_date(marks, lineno):
    """The date of the run that was going on when log line `lineno` (0-based) was written."""
    found = None
    for start, day in marks:
        if start <= lineno:
            found = day
        else:
            break
    return found


def weekday_of(day):
    try:
        return "周" + WEEKDAYS[dt.date.fromisoformat(day).weekday()]
    except ValueError:
        return ""


def read_messages(args, tz, marks):
    """Yields (date, unit code, text, notices, sent_at) for every accepted json-kind message."""
    with open(args.log, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f):
            if lineno < args.from_line:
                continue
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("kind") != "json" or rec.get("method", "POST") != "POST":
                continue
            if rec.get("ok") is False:
                continue  # the group did not get it; duband will retry
            body = rec.get("body")
            if not isinstance(body, dict):
                continue
            unit = body.get("channel") or rec.get("name") or "?"
            notices = [n for n in body.get("notices") or [] if isinstance(n, dict)]
            t = parse_time(body.get("sent_at"), tz)
            day = t.date().isoformat() if t else (mark_date(marks, lineno) or "????-??-??")
            yield day, unit, body.get("text") or "", notices, t


def print_message(day, unit, text, notices, names, out):
    labels = []
    for n in notices:
        lab = label_of(n)
        if lab not in labels:
            labels.append(lab)
    head = f"{day} {weekday_of(day)} → {names.get(unit, unit)} ({unit})"
    if labels:
        head += " · " + "、".join(labels)
    if len(notices) > 1:
        head += f"  [{len(notices)} 条汇总]"
    out.write(head + "\n")
    for tl in (text.rstrip("\n").split("\n") if text else ["(空消息)"]):
        out.write("    " + tl + "\n")
    out.write("\n")


def print_summary(counts, msgs, names, order, out):
    units = [u for u in order if u in msgs] + sorted(u for u in msgs if u not in order)
    cols = [(k, h) for k, h in COLUMNS if any(counts[u].get(k) for u in units)]
    head = ["群组", "消息"] + [h for _, h in cols]
    rows = []
    total = {k: 0 for k, _ in cols}
    total_msgs = 0
    for u in units:
        r = [f"{names.get(u, u)} ({u})", str(msgs[u])]
        for k, _ in cols:
            v = counts[u].get(k, 0)
            total[k] += v
            r.append(str(v) if v else "·")
        total_msgs += msgs[u]
        rows.append(r)
    rows.append(["合计", str(total_msgs)] + [str(total[k]) for k, _ in cols])
    w = [max(width(r[i]) for r in [head] + rows) for i in range(len(head))]
    out.write("各群组收到的消息(一条消息可汇总多条通知;后各列为通知条数)\n")
    out.write("  ".join(pad(h, w[i], i > 0) for i, h in enumerate(head)) + "\n")
    out.write("  ".join("-" * w[i] for i in range(len(head))) + "\n")
    for j, r in enumerate(rows):
        if j == len(rows) - 1:
            out.write("  ".join("-" * w[i] for i in range(len(head))) + "\n")
        out.write("  ".join(pad(c, w[i], i > 0) for i, c in enumerate(r)) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--units")
    ap.add_argument("--marks")
    ap.add_argument("--from-line", type=int, default=0)
    ap.add_argument("--unit", action="append")
    ap.add_argument("--tz-offset", type=float, default=8.0,
                    help="hours east of UTC of daemon.timezone (Asia/Shanghai: 8)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--messages", dest="mode", action="store_const", const="messages")
    mode.add_argument("--summary", dest="mode", action="store_const", const="summary")
    mode.add_argument("--both", dest="mode", action="store_const", const="both")
    args = ap.parse_args()
    mode = args.mode or "messages"

    tz = dt.timezone(dt.timedelta(hours=args.tz_offset))
    names, order = load_units(args.units)
    marks = load_marks(args.marks)
    out = sys.stdout

    msgs, counts = {}, {}
    try:
        items = list(read_messages(args, tz, marks))
    except FileNotFoundError:
        sys.exit(f"demo_show: {args.log}: no such file")
    # Deterministic order: by date, then by group in the order of the units file (the leadership
    # and the office first), then in arrival order (concurrent deliveries arrive in any order).
    rank = {u: i for i, u in enumerate(order)}
    items = [x for _, x in sorted(enumerate(items),
                                  key=lambda p: (p[1][0], rank.get(p[1][1], len(rank)), p[1][1], p[0]))]
    for day, unit, text, notices, _ in items:
        if args.unit and unit not in args.unit:
            continue
        msgs[unit] = msgs.get(unit, 0) + 1
        c = counts.setdefault(unit, {})
        for n in notices:
            k = column_of(n)
            c[k] = c.get(k, 0) + 1
        if mode in ("messages", "both"):
            print_message(day, unit, text, notices, names, out)
    if mode in ("summary", "both"):
        if not msgs:
            out.write("(no messages received)\n")
        else:
            print_summary(counts, msgs, names, order, out)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
