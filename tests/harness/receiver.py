#!/usr/bin/env python3
"""receiver.py — a loopback HTTP server that imitates the chat-platform webhooks duban posts to.

One receiver serves every kind; the kind is the first path segment, the robot name the second:
  POST /json/<name>                       200 {}
  POST /wecom/<name>?key=K                WeCom group robot (markdown, text with mentions, or
                                          file naming a media_id this robot uploaded)
  POST /wecom/<name>/upload_media?key=K&type=file
                                          WeCom robot file upload: multipart/form-data with one
                                          part `media` carrying a filename, 5 B to 20 MB; answers
                                          {errcode 0, type file, media_id, created_at}; the file is
                                          kept as --media-dir/<media_id><.ext> (default LOG.media)
  POST /dingtalk/<name>?access_token=T    DingTalk custom robot (markdown, optional signing)
  POST /feishu/<name>                     Feishu/Lark custom bot (text, post or interactive
                                          card, optional signing)
  POST /slack/<name>                      Slack incoming webhook ({"text"})
Each request appends one JSON line to --log (see LOG FORMAT below). Python 3 stdlib only.

Options (NAME is the robot name, e.g. `u1`, or `kind/name`, e.g. `wecom/u1`; options may repeat):
  --port N               port on 127.0.0.1 (0: pick a free one); prints "READY <port>" when listening
  --log FILE             JSON-lines request log (default: stderr is not used; no log)
  --secret NAME=SECRET   signing secret of a dingtalk/feishu robot: requests must be signed
  --token NAME=VALUE     required wecom `key` / dingtalk `access_token` value (default: any non-empty)
  --script NAME=A,B,...  the first requests to NAME get these answers, in order, then normal
                         behaviour. Items: `200` (normal behaviour), another HTTP status (e.g.
                         `500`; `429` carries Retry-After: 1, `429@7` Retry-After: 7),
                         `errcode:N` (HTTP 200 with the kind's error code N, e.g. errcode:45009),
                         `close` (drop the connection without an answer),
                         `hang` (hold the request 3600 s, i.e. a client timeout)
  --status NAME=CODE     every request to NAME answers HTTP CODE (after any --script items)
  --delay NAME=SECONDS   hold every answer to NAME that long (the request is logged at arrival)
  --rate NAME=N          per-minute limit of NAME instead of the kind's default
  --keyword NAME=WORD    the robot's keyword security: a DingTalk or Feishu message without
                         WORD is refused (DingTalk errcode 310000, Feishu code 19024)
  --no-rate-limit        switch all rate limits off
  --media-dir DIR        where uploaded files are kept (default: the log's name + .media)

The platforms' documented rules are enforced: WeCom markdown content at most 4096 bytes
(40058), text content at most 2048 bytes, mentioned_mobile_list of mobiles or "@all"; DingTalk
markdown needs title and text, body at most 20000 bytes; Feishu interactive cards need
header.title (plain_text), a known template colour and elements, body at most 20 KB (9499).
A WeCom upload must come with the robot's key (93000), type=file (40004), a multipart body with
exactly one part named `media` that has a filename (41001 otherwise), 5 B to 20 MB of data
(40006); a file message must name a media_id uploaded by the same robot within 3 days (40007).
The log line of an upload carries "upload": {media_id, filename, size, saved} instead of a body.
What the platforms accept but users would see wrongly becomes a warning in the log: list syntax
in WeCom markdown (shown literally), <@mobile> in WeCom markdown (mentions nobody), an @mobile
of at.atMobiles missing from a DingTalk text, a Feishu <at> without an id or with a mobile.

Rate limits (real clock, sliding windows, only accepted messages count): wecom 20/min
(errcode 45009), dingtalk 20/min (errcode 130101), feishu 5/s and 100/min (code 11232),
slack token bucket of 3 refilled 1/s (HTTP 429, Retry-After: 1).

Control (not logged): GET /_ctl/health → "ok"; POST /_ctl/set with a JSON body
{"name": NAME, "status": CODE|null, "delay": S|null, "script": [items], "reset": true}
changes the behaviour of NAME at run time ("reset" also clears its rate-limit history).

LOG FORMAT — one JSON object per line:
  {"seq": n, "t": unix time float (arrival, real clock), "method", "path", "query": {k: v},
   "kind", "name", "headers": {"content-type", "user-agent", "content-length"},
   "body": parsed JSON or raw string, "status": HTTP status, "answer": parsed JSON or string,
   "outcome": ok | scripted | status | rate_limited | bad_sign | bad_timestamp | bad_token |
              too_long | bad_shape | bad_keyword | not_found | closed | hang,
   "ok": true when the kind's success answer was given, "warnings": [strings]}
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("json", "wecom", "dingtalk", "feishu", "slack")
DEFAULT_RATE = {"wecom": 20, "dingtalk": 20, "feishu": 100, "slack": 60}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.seq = 0
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.secrets = kv(args.secret, "--secret")
        self.tokens = kv(args.token, "--token")
        self.scripts = {k: parse_script(v) for k, v in kv(args.script, "--script").items()}
        self.statuses = {k: int(v) for k, v in kv(args.status, "--status").items()}
        self.delays = {k: float(v) for k, v in kv(args.delay, "--delay").items()}
        self.rates = {k: int(v) for k, v in kv(args.rate, "--rate").items()}
        self.keywords = kv(args.keyword, "--keyword")
        self.no_rate_limit = args.no_rate_limit
        self.windows = {}   # robot -> deque of accepted times (sliding windows)
        self.media = {}     # media_id -> {"robot", "t"} (WeCom uploads, valid 3 days)
        self.media_dir = args.media_dir or (args.log + ".media" if args.log else None)
        self.buckets = {}   # robot -> [tokens, last refill] (slack)

    def lookup(self, table, kind, name):
        """Options are keyed by `kind/name` or by bare `name`."""
        key = f"{kind}/{name}"
        if key in table:
            return key, table[key]
        if name in table:
            return name, table[name]
        return None, None

    def next_script_item(self, kind, name):
        with self.lock:
            key, items = self.lookup(self.scripts, kind, name)
            if items:
                return items.pop(0)
        return None

    def write(self, rec):
        with self.log_lock:
            self.seq += 1
            rec["seq"] = self.seq
            if self.log:
                self.log.write(json.dumps(rec, ensure_ascii=False) + "\n")
                self.log.flush()


def kv(items, opt):
    out = {}
    for it in items or []:
        if "=" not in it:
            sys.exit(f"receiver: {opt} wants NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k] = v
    return out


def parse_script(text):
    items = []
    for tok in text.split(","):
        tok = tok.strip()
        if not tok:
            continue
        if tok in ("close", "hang"):
            items.append((tok, None))
        elif tok.startswith("errcode:"):
            items.append(("errcode", int(tok.split(":", 1)[1])))
        elif "@" in tok:
            code, ra = tok.split("@", 1)
            items.append(("http", (int(code), int(ra))))
        else:
            items.append(("http", (int(tok), None)))
    return items


def sign_dingtalk(secret, timestamp):
    msg = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()


def sign_feishu(secret, timestamp):
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def error_body(kind, code):
    """HTTP-200 answer of `kind` carrying platform error code `code`."""
    msgs = {45009: "api freq out of limit", 130101: "send too fast, exceed 20 times per minute",
            11232: "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]",
            310000: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
            19021: "sign match fail or timestamp is not within one hour from current time",
            40058: "markdown.content exceed max length 4096", 93000: "invalid webhook url",
            19024: "Key Words Not Found",
            300001: "token is not exist", 9499: "Bad Request", -1: "system busy"}
    msg = msgs.get(code, "scripted error")
    if kind == "feishu":
        return {"code": code, "msg": msg}
    return {"errcode": code, "errmsg": msg}


class Answer:
    def __init__(self, status, body, outcome, ok=False, headers=None, extra=None):
        self.status, self.body, self.outcome, self.ok = status, body, outcome, ok
        self.headers = headers or {}
        self.extra = extra or {}   # more members for the log line


WECOM_FILE_MIN, WECOM_FILE_MAX = 5, 20 * 1024 * 1024   # upload_media type=file
WECOM_MEDIA_TTL = 3 * 86400                              # a media_id is valid 3 days


def parse_multipart(raw, boundary):
    """[(headers dict (lower-case names), data bytes)] of a multipart/form-data body."""
    parts = []
    delim = b"--" + boundary
    chunks = raw.split(delim)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        parts.append((headers, data))
    return parts


def disposition_param(value, key):
    m = re.search(r'(?:^|;)\s*' + key + r'="([^"]*)"', value or "")
    return m.group(1) if m else None


def utf8_len(s):
    return len(s.encode("utf-8"))


class Handler(BaseHTTPRequestHandler):
    server_version = "duban-receiver/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---------------------------------------------------------------- plumbing
    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, ans):
        if isinstance(ans.body, (dict, list)):
            data = json.dumps(ans.body, ensure_ascii=False).encode()
            ctype = "application/json; charset=utf-8"
        else:
            data = str(ans.body).encode()
            ctype = "text/plain; charset=utf-8"
        try:
            self.send_response(ans.status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in ans.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_ctl/health":
            self._send(Answer(200, "ok", "ok"))
        else:
            self._read_body()
            self._handle(b"")

    def do_PUT(self):
        self._handle(self._read_body())

    def do_POST(self):
        raw = self._read_body()
        if urllib.parse.urlsplit(self.path).path == "/_ctl/set":
            self._control(raw)
            return
        self._handle(raw)

    def _control(self, raw):
        st = self.server.state
        try:
            req = json.loads(raw or b"{}")
            name = req["name"]
            with st.lock:
                if "status" in req:
                    if req["status"] is None:
                        st.statuses.pop(name, None)
                    else:
                        st.statuses[name] = int(req["status"])
                if "delay" in req:
                    if req["delay"] is None:
                        st.delays.pop(name, None)
                    else:
                        st.delays[name] = float(req["delay"])
                if "script" in req:
                    items = req["script"]
                    if isinstance(items, list):
                        items = ",".join(str(x) for x in items)
                    st.scripts[name] = parse_script(items)
                if "keyword" in req:
                    if req["keyword"] is None:
                        st.keywords.pop(name, None)
                    else:
                        st.keywords[name] = str(req["keyword"])
                if "rate" in req:
                    if req["rate"] is None:
                        st.rates.pop(name, None)
                    else:
                        st.rates[name] = int(req["rate"])
                if req.get("reset"):
                    for k in list(st.windows) + list(st.buckets):
                        if k == name or k.endswith("/" + name):
                            st.windows.pop(k, None)
                            st.buckets.pop(k, None)
            self._send(Answer(200, {"ok": True}, "ok"))
        except Exception as e:  # noqa: BLE001
            self._send(Answer(400, {"ok": False, "error": str(e)}, "bad"))

    # ---------------------------------------------------------------- requests
    def _handle(self, raw):
        st = self.server.state
        t = time.time()
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        query = {k: v[0] if len(v) == 1 else v
                 for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        segs = [s for s in path.split("/") if s]
        kind = segs[0] if segs else ""
        name = segs[1] if len(segs) > 1 else ""
        text = raw.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        if kind == "wecom" and len(segs) > 2 and segs[-1] == "upload_media":
            body = {"multipart_bytes": len(raw)}   # the file itself is kept in the media dir
        rec = {"t": t, "method": self.command, "path": path, "query": query,
               "kind": kind, "name": name,
               "headers": {k: self.headers.get(k) for k in ("Content-Type", "User-Agent", "Content-Length")
                           if self.headers.get(k) is not None},
               "body": body, "warnings": []}
        rec["headers"] = {k.lower(): v for k, v in rec["headers"].items()}

        ans = self._decide(st, kind, name, query, raw, body, rec["warnings"])
        rec.update(status=ans.status, answer=ans.body, outcome=ans.outcome, ok=ans.ok)
        rec.update(ans.extra)
        _, delay = st.lookup(st.delays, kind, name)
        if delay:
            rec["delay"] = delay
        if ans.outcome in ("close", "hang"):
            rec["status"] = None
            rec["answer"] = None
        st.write(rec)

        if ans.outcome == "hang":
            time.sleep(3600)
        if delay:
            time.sleep(delay)
        if ans.outcome == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        self._send(ans)

    def _decide(self, st, kind, name, query, raw, body, warnings):
        if kind not in KINDS or self.command != "POST":
            return Answer(404, {"error": "not found"}, "not_found")

        item = st.next_script_item(kind, name)
        if item is not None:
            what, arg = item
            if what == "close":
                return Answer(0, None, "close")
            if what == "hang":
                return Answer(0, None, "hang")
            if what == "errcode":
                return Answer(200, error_body(kind, arg), "scripted")
            code, ra = arg
            if code != 200:
                hdrs = {}
                if code == 429:
                    hdrs["Retry-After"] = str(ra if ra is not None else 1)
                elif ra is not None:
                    hdrs["Retry-After"] = str(ra)
                return Answer(code, {"error": f"scripted {code}"}, "scripted", headers=hdrs)
            # 200: fall through to normal behaviour

        _, status = st.lookup(st.statuses, kind, name)
        if status is not None:
            hdrs = {"Retry-After": "1"} if status == 429 else {}
            ok = 200 <= status < 300 and kind in ("json",)
            return Answer(status, {} if ok else {"error": f"status {status}"}, "status", ok=ok, headers=hdrs)

        ctype = (self.headers.get("Content-Type") or "").lower()
        if kind == "wecom" and self.path.split("?")[0].rstrip("/").endswith("/upload_media"):
            return self._wecom_upload(st, kind, name, query, raw)
        if "application/json" not in ctype:
            warnings.append(f"content-type is {ctype or 'missing'}")
        if isinstance(body, str) or body is None:
            warnings.append("body is not JSON")

        return getattr(self, "_" + kind)(st, kind, name, query, raw, body, warnings)

    # ---------------------------------------------------------------- rate limits
    def _limit(self, st, kind, name, per_minute, per_second=None):
        """Sliding windows on the real clock; True when the message may pass (and counts it)."""
        if st.no_rate_limit:
            return True
        _, override = st.lookup(st.rates, kind, name)
        if override is not None:
            per_minute = override
        robot = f"{kind}/{name}"
        now = time.time()
        with st.lock:
            w = st.windows.setdefault(robot, deque())
            while w and w[0] <= now - 60:
                w.popleft()
            if per_minute is not None and len(w) >= per_minute:
                return False
            if per_second is not None and sum(1 for x in w if x > now - 1) >= per_second:
                return False
            w.append(now)
            return True

    def _bucket(self, st, kind, name, capacity=3, per_second=1.0):
        if st.no_rate_limit:
            return True
        _, override = st.lookup(st.rates, kind, name)
        if override is not None:
            per_second = override / 60.0
        robot = f"{kind}/{name}"
        now = time.time()
        with st.lock:
            b = st.buckets.setdefault(robot, [float(capacity), now])
            b[0] = min(float(capacity), b[0] + (now - b[1]) * per_second)
            b[1] = now
            if b[0] < 1.0:
                return False
            b[0] -= 1.0
            return True

    # ---------------------------------------------------------------- kinds
    def _json(self, st, kind, name, query, raw, body, warnings):
        if isinstance(body, dict):
            for k in ("channel", "sent_at", "text", "notices"):
                if k not in body:
                    warnings.append(f"json body lacks {k}")
            for n in body.get("notices") or []:
                if not isinstance(n, dict) or not isinstance(n.get("id"), int) or "type" not in n:
                    warnings.append(f"bad notice {n!r:.80}")
        else:
            warnings.append("json body is not an object")
        return Answer(200, {}, "ok", ok=True)

    def _token_ok(self, st, kind, name, value):
        _, want = st.lookup(st.tokens, kind, name)
        if not value:
            return False
        return want is None or value == want

    def _wecom(self, st, kind, name, query, raw, body, warnings):
        if not self._token_ok(st, kind, name, query.get("key")):
            return Answer(200, error_body(kind, 93000), "bad_token")
        if not isinstance(body, dict):
            return Answer(200, {"errcode": 40035, "errmsg": "invalid json request"}, "bad_shape")
        mtype = body.get("msgtype")
        if mtype == "text":
            return self._wecom_text(st, kind, name, body, warnings)
        if mtype == "file":
            return self._wecom_file(st, kind, name, body)
        md = body.get("markdown")
        if mtype != "markdown":
            return Answer(200, {"errcode": 40008, "errmsg": "invalid message type"}, "bad_shape")
        if not isinstance(md, dict) or not isinstance(md.get("content"), str):
            return Answer(200, {"errcode": 40035, "errmsg": "invalid markdown content"}, "bad_shape")
        if not md["content"]:
            return Answer(200, {"errcode": 44004, "errmsg": "empty content"}, "bad_shape")
        if utf8_len(md["content"]) > 4096:
            return Answer(200, error_body(kind, 40058), "too_long")
        for line in md["content"].split("\n"):
            if re.match(r"^\s*([-*+]|\d+\.)\s", line):
                warnings.append(f"list syntax shows literally in WeCom markdown: {line[:40]!r}")
                break
        for m in re.findall(r"<@([^>]*)>", md["content"]):
            if re.fullmatch(r"\+?[\d-]{11,16}", m):
                warnings.append(f"<@{m}> is a mobile: WeCom markdown mentions only user ids")
        return self._wecom_accept(st, kind, name)

    def _wecom_text(self, st, kind, name, body, warnings):
        t = body.get("text")
        if not isinstance(t, dict) or not isinstance(t.get("content"), str) or not t["content"]:
            return Answer(200, {"errcode": 40035, "errmsg": "invalid text content"}, "bad_shape")
        if utf8_len(t["content"]) > 2048:
            return Answer(200, {"errcode": 40058, "errmsg": "text.content exceed max length 2048"}, "too_long")
        for key in ("mentioned_list", "mentioned_mobile_list"):
            v = t.get(key, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                return Answer(200, {"errcode": 40035, "errmsg": f"invalid {key}"}, "bad_shape")
        for m in t.get("mentioned_mobile_list", []):
            if m != "@all" and not re.fullmatch(r"\+?[\d-]{11,16}", m):
                warnings.append(f"{m!r} in mentioned_mobile_list is not a mobile")
        return self._wecom_accept(st, kind, name)

    def _wecom_upload(self, st, kind, name, query, raw):
        if not self._token_ok(st, kind, name, query.get("key")):
            return Answer(200, error_body(kind, 93000), "bad_token")
        if query.get("type") != "file":
            return Answer(200, {"errcode": 40004, "errmsg": "invalid media type"}, "bad_shape")
        ctype = self.headers.get("Content-Type") or ""
        m = re.match(r'\s*multipart/form-data\s*;.*boundary="?([^";]+)"?', ctype, re.I)
        if not m:
            return Answer(200, {"errcode": 41001, "errmsg": "media data missing: not multipart/form-data"}, "bad_shape")
        parts = parse_multipart(raw, m.group(1).encode())
        media = [(h, d) for h, d in parts
                 if disposition_param(h.get("content-disposition"), "name") == "media"]
        filename = disposition_param(media[0][0].get("content-disposition"), "filename") if len(media) == 1 else None
        if len(media) != 1 or not filename:
            return Answer(200, {"errcode": 41001, "errmsg": "media data missing: one part named media with a filename"}, "bad_shape")
        data = media[0][1]
        if not WECOM_FILE_MIN <= len(data) <= WECOM_FILE_MAX:
            return Answer(200, {"errcode": 40006, "errmsg": f"invalid file size {len(data)}: 5B~20MB"}, "too_long")
        media_id = "m" + secrets.token_hex(16)
        saved = None
        if st.media_dir:
            os.makedirs(st.media_dir, exist_ok=True)
            # the file's own extension kept: readers such as openpyxl go by it
            saved = os.path.join(st.media_dir, media_id + os.path.splitext(os.path.basename(filename))[1][:16])
            with open(saved, "wb") as f:
                f.write(data)
        with st.lock:
            st.media[media_id] = {"robot": f"{kind}/{name}", "t": time.time()}
        now = int(time.time())
        return Answer(200, {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id,
                            "created_at": str(now)}, "ok", ok=True,
                      extra={"upload": {"media_id": media_id, "filename": filename,
                                        "size": len(data), "saved": saved}})

    def _wecom_file(self, st, kind, name, body):
        f = body.get("file")
        mid = f.get("media_id") if isinstance(f, dict) else None
        with st.lock:
            known = st.media.get(mid) if isinstance(mid, str) else None
        if (known is None or known["robot"] != f"{kind}/{name}"
                or time.time() - known["t"] > WECOM_MEDIA_TTL):
            return Answer(200, {"errcode": 40007, "errmsg": "invalid media_id"}, "bad_shape")
        return self._wecom_accept(st, kind, name)

    def _wecom_accept(self, st, kind, name):
        if not self._limit(st, kind, name, DEFAULT_RATE["wecom"]):
            return Answer(200, error_body(kind, 45009), "rate_limited")
        return Answer(200, {"errcode": 0, "errmsg": "ok"}, "ok", ok=True)

    def _keyword_missing(self, st, kind, name, texts):
        _, word = st.lookup(st.keywords, kind, name)
        return word is not None and not any(word in t for t in texts if isinstance(t, str))

    def _dingtalk(self, st, kind, name, query, raw, body, warnings):
        if not self._token_ok(st, kind, name, query.get("access_token")):
            return Answer(200, error_body(kind, 300001), "bad_token")
        if len(raw) > 20000:
            return Answer(200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}, "too_long")
        if not isinstance(body, dict):
            return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"}, "bad_shape")
        md = body.get("markdown")
        if body.get("msgtype") != "markdown" or not isinstance(md, dict) \
                or not isinstance(md.get("title"), str) or not isinstance(md.get("text"), str):
            return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 markdown"}, "bad_shape")
        at = body.get("at", {})
        if at is not None and not isinstance(at, dict):
            return Answer(200, {"errcode": 40035, "errmsg": "at is not an object"}, "bad_shape")
        for m in (at or {}).get("atMobiles") or []:
            if f"@{m}" not in md["text"]:
                warnings.append(f"@{m} is not in the text")
        _, secret = st.lookup(st.secrets, kind, name)
        if secret is not None:
            ts = query.get("timestamp")
            sign = query.get("sign")
            try:
                ts_ms = int(ts)
            except (TypeError, ValueError):
                return Answer(200, {"errcode": 310000, "errmsg": "invalid timestamp"}, "bad_timestamp")
            if abs(time.time() * 1000 - ts_ms) > 3600 * 1000:
                return Answer(200, {"errcode": 310000, "errmsg": "invalid timestamp"}, "bad_timestamp")
            if not isinstance(sign, str) or not hmac.compare_digest(sign, sign_dingtalk(secret, ts)):
                return Answer(200, error_body(kind, 310000), "bad_sign")
        if self._keyword_missing(st, kind, name, [md["title"], md["text"]]):
            return Answer(200, {"errcode": 310000, "errmsg": "keywords not in content, more: "
                                "[https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}, "bad_keyword")
        if not self._limit(st, kind, name, DEFAULT_RATE["dingtalk"]):
            return Answer(200, error_body(kind, 130101), "rate_limited")
        return Answer(200, {"errcode": 0, "errmsg": "ok"}, "ok", ok=True)

    def _feishu(self, st, kind, name, query, raw, body, warnings):
        if len(raw) > 20000:
            return Answer(200, {"code": 9499, "msg": "Bad Request"}, "too_long")
        texts = self._feishu_texts(body, warnings)
        if texts is None:
            return Answer(200, {"code": 9499, "msg": "Bad Request"}, "bad_shape")
        _, secret = st.lookup(st.secrets, kind, name)
        if secret is not None:
            ts = body.get("timestamp")
            sign = body.get("sign")
            if not isinstance(ts, str):
                warnings.append("timestamp is not a string")
            try:
                ts_s = int(ts)
            except (TypeError, ValueError):
                return Answer(200, error_body(kind, 19021), "bad_timestamp")
            if abs(time.time() - ts_s) > 3600:
                return Answer(200, error_body(kind, 19021), "bad_timestamp")
            if not isinstance(sign, str) or not hmac.compare_digest(sign, sign_feishu(secret, str(ts))):
                return Answer(200, error_body(kind, 19021), "bad_sign")
        if self._keyword_missing(st, kind, name, texts):
            return Answer(200, error_body(kind, 19024), "bad_keyword")
        if not self._limit(st, kind, name, DEFAULT_RATE["feishu"], per_second=5):
            return Answer(200, error_body(kind, 11232), "rate_limited")
        return Answer(200, {"code": 0, "msg": "success", "data": {}}, "ok", ok=True)

    FEISHU_COLOURS = {"blue", "wathet", "turquoise", "green", "yellow", "orange", "red",
                      "carmine", "violet", "purple", "indigo", "grey", "default"}

    def _feishu_texts(self, body, warnings):
        """The texts of a text, post or interactive message, or None when malformed."""
        if not isinstance(body, dict):
            return None
        mt = body.get("msg_type")
        if mt == "text":
            c = body.get("content")
            if not isinstance(c, dict) or not isinstance(c.get("text"), str):
                return None
            return [c["text"]]
        if mt == "post":
            c = body.get("content")
            if not isinstance(c, dict) or not isinstance(c.get("post"), dict):
                return None
            return [json.dumps(c["post"], ensure_ascii=False)]
        if mt != "interactive":
            return None
        card = body.get("card")
        if not isinstance(card, dict):
            return None
        hdr = card.get("header", {})
        title = (hdr.get("title") or {}) if isinstance(hdr, dict) else {}
        if not isinstance(title, dict) or title.get("tag") != "plain_text" \
                or not isinstance(title.get("content"), str):
            return None
        if hdr.get("template") is not None and hdr["template"] not in self.FEISHU_COLOURS:
            return None
        els = card.get("elements")
        if not isinstance(els, list) or not els:
            return None
        texts = [title["content"]]
        for el in els:
            if not isinstance(el, dict) or not isinstance(el.get("tag"), str):
                return None
            if el["tag"] == "div":
                t = el.get("text")
                if not isinstance(t, dict) or t.get("tag") not in ("lark_md", "plain_text") \
                        or not isinstance(t.get("content"), str):
                    return None
                texts.append(t["content"])
                for m in re.findall(r"<at ([^>]*)>", t["content"]):
                    mid = re.fullmatch(r"id=([^\s>]+)", m.strip())
                    if mid is None:
                        warnings.append(f"<at {m}> has no id= (cards need <at id=…>)")
                    elif re.fullmatch(r"\+?[\d-]{11,16}", mid.group(1)):
                        warnings.append(f"<at id={mid.group(1)}> is a mobile: Feishu mentions need a user id")
        return texts

    def _slack(self, st, kind, name, query, raw, body, warnings):
        if not isinstance(body, dict):
            return Answer(400, "invalid_payload", "bad_shape")
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return Answer(400, "no_text", "bad_shape")
        if len(text) > 4000:
            return Answer(400, "msg_too_long", "too_long")
        for bad in ("<", ">"):
            if bad in text.replace("<!", "").replace("<@", "").replace("<#", "").replace("<http", ""):
                warnings.append(f"unescaped {bad!r} in text")
                break
        if not self._bucket(st, kind, name):
            return Answer(429, "rate_limited", "rate_limited", headers={"Retry-After": "1"})
        return Answer(200, "ok", "ok", ok=True)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description="duban test webhook receiver (127.0.0.1 only)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--secret", action="append")
    ap.add_argument("--token", action="append")
    ap.add_argument("--script", action="append")
    ap.add_argument("--status", action="append")
    ap.add_argument("--delay", action="append")
    ap.add_argument("--rate", action="append")
    ap.add_argument("--keyword", action="append")
    ap.add_argument("--no-rate-limit", action="store_true")
    ap.add_argument("--media-dir")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)

    def on_term(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    print(f"READY {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if srv.state.log:
            srv.state.log.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
