#!/usr/bin/env python3
"""received.py — query the JSON-lines log written by receiver.py, for shell assertions.

usage: received.py LOG [filters] [one output mode]
filters (combine freely):
  --path PREFIX      only requests whose path starts with PREFIX (e.g. /json/u1, /wecom/)
  --kind KIND        only requests of this kind (json, wecom, dingtalk, feishu, slack)
  --ok               only requests that got the kind's success answer
  --failed           only requests that did not
  --outcome O        only requests with this outcome (ok, scripted, rate_limited, bad_sign, ...)
  --since T          only requests that arrived at unix time >= T
output (default --summary):
  --summary          "<count> <ok-count> <path>" per path, sorted by path
  --count            the number of matching requests
  --ids              notice ids of json-kind bodies (notices[].id), one per line, in arrival order
                     (duplicates kept: `--ids | sort | uniq -d` finds double sends)
  --notices          the notices of json-kind bodies, one compact JSON object per line
  --texts            the message text of each request (json text, wecom markdown.content or
                     text.content, dingtalk markdown.text, feishu card title and divs or
                     content.text, slack text), each followed by
                     a line "----"
  --statuses         "<status> <outcome>" per request
  --times            arrival time of each request (unix seconds, float)
  --jsonl            the matching log lines as they are
"""

import argparse
import json
import os
import sys


def text_of(rec):
    b = rec.get("body")
    if not isinstance(b, dict):
        return b if isinstance(b, str) else ""
    kind = rec.get("kind")
    try:
        if kind == "wecom":
            if b.get("msgtype") == "text":
                return b["text"]["content"]
            return b["markdown"]["content"]
        if kind == "dingtalk":
            return b["markdown"]["text"]
        if kind == "feishu":
            if b.get("msg_type") == "interactive":
                card = b["card"]
                parts = [card["header"]["title"]["content"]]
                parts += [e["text"]["content"] for e in card["elements"]
                          if e.get("tag") == "div" and isinstance(e.get("text"), dict)]
                return "\n\n".join(parts)
            return b["content"]["text"]
        return b.get("text", "")
    except (KeyError, TypeError):
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--path")
    ap.add_argument("--kind")
    ap.add_argument("--ok", action="store_true")
    ap.add_argument("--failed", action="store_true")
    ap.add_argument("--outcome")
    ap.add_argument("--since", type=float)
    mode = ap.add_mutually_exclusive_group()
    for m in ("summary", "count", "ids", "notices", "texts", "statuses", "times", "jsonl"):
        mode.add_argument("--" + m, dest="mode", action="store_const", const=m)
    args = ap.parse_args()
    mode = args.mode or "summary"

    recs = []
    try:
        with open(args.log, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    continue  # a line being written right now
    except FileNotFoundError:
        pass

    def keep(r):
        if args.path and not r.get("path", "").startswith(args.path):
            return False
        if args.kind and r.get("kind") != args.kind:
            return False
        if args.ok and not r.get("ok"):
            return False
        if args.failed and r.get("ok"):
            return False
        if args.outcome and r.get("outcome") != args.outcome:
            return False
        if args.since is not None and r.get("t", 0) < args.since:
            return False
        return True

    recs = [r for r in recs if keep(r)]
    out = sys.stdout
    if mode == "count":
        print(len(recs))
    elif mode == "summary":
        per = {}
        for r in recs:
            c = per.setdefault(r.get("path", ""), [0, 0])
            c[0] += 1
            c[1] += 1 if r.get("ok") else 0
        for p in sorted(per):
            print(per[p][0], per[p][1], p)
    elif mode in ("ids", "notices"):
        for r in recs:
            b = r.get("body")
            if r.get("kind") != "json" or not isinstance(b, dict):
                continue
            for n in b.get("notices") or []:
                if mode == "ids":
                    if isinstance(n, dict) and "id" in n:
                        print(n["id"])
                else:
                    print(json.dumps(n, ensure_ascii=False, sort_keys=True))
    elif mode == "texts":
        for r in recs:
            out.write(text_of(r) + "\n----\n")
    elif mode == "statuses":
        for r in recs:
            print(r.get("status"), r.get("outcome"))
    elif mode == "times":
        for r in recs:
            print(r.get("t"))
    elif mode == "jsonl":
        for r in recs:
            print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:   # `received.py ... | head -n 1` is fine, even under pipefail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
