#!/usr/bin/env python3
"""Small network responders and traffic tools for the pilotlight test lab.

Standard library only.  Every tool is a subcommand; tests/lib/netlab.py runs
them inside a lab network namespace (``ip netns exec NS python3 responder.py
SUBCOMMAND ...``), so nothing here ever touches the host's own network.

Subcommands (all accept ``--ready FILE``: the file is created once the tool
is bound and ready, and ``--tag TAG``: ignored, it only marks the process
command line so a crashed lab's leftovers can be found and killed):

  icmp-delay --delay-ms N [--control FILE] [--no-v6]
      Raw-socket ICMP/ICMPv6 echo responder: answers every echo request
      after exactly N ms (scheduled with a heap, so overlapping requests
      keep their own deadline).  The kernel's own echo must be disabled in
      the namespace (net.ipv4.icmp_echo_ignore_all=1 and
      net.ipv6.icmp.echo_ignore_all=1); netlab does that.  --control FILE
      holds JSON {"delay_ms": N, "drop": false}; it is re-read when its
      mtime changes, so the delay can be changed at run time.
  tcp --port P [--bind ADDR] [--banner-hex HEX] [--reply-hex HEX]
      [--close-after-banner] [--hold S]
      TCP service: sends the banner on connect; if a reply is given, sends
      it after the first data from the client; then keeps the connection
      until the client closes (or --hold seconds).
  http --port P --control FILE [--bind ADDR] [--cert PEM --key PEM]
      [--hits FILE]
      HTTP (or HTTPS with --cert/--key) server.  --control FILE holds JSON
      {"status": 200, "body": "ok", "headers": {...}, "delay_ms": 0} and is
      re-read on every request, so tests change the answer at run time.
      Every request is appended to --hits as "METHOD PATH" lines.
  udp-sink --port P [--seconds S]
      Counts UDP datagrams until SIGTERM (or S seconds); prints one JSON
      line {"packets": n, "bytes": n} on exit.
  udp-burst --dst ADDR --port P --pps N --seconds S --size BYTES
      Paced UDP sender (BYTES of UDP payload); prints one JSON line
      {"sent": n, "errors": n, "elapsed": s, "pps": achieved}.
  garp --iface IF --ip ADDR [--count N] [--interval S]
      Sends gratuitous ARP announcements (ARP request, sender IP = target
      IP = ADDR, broadcast) with the interface's own MAC.
  sniff --iface IF --seconds S
      AF_PACKET capture of every frame on IF for S seconds; prints one JSON
      line {"frames": n, "arp": n, "ipv6": n, "ipv4": {"SRC>DST/PROTO": n},
      "macs": [...]}.
  send-pcap --iface IF --file PCAP [--pps N]
      Sends the frames of a classic pcap file (Ethernet link type, either
      byte order, us or ns stamps) out of IF on an AF_PACKET socket, as
      they are: source MACs and addresses are the file's.  A frame cut by
      the file's snaplen goes out cut.  --pps paces (0, the default: as
      fast as the socket takes them; the file's time stamps are ignored).
      Prints one JSON line {"sent": n, "errors": n, "elapsed": s,
      "pps": achieved}.

All addresses given on the command line are plain (no prefix length).
"""

import argparse
import heapq
import json
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time


def _ready(path):
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(path + ".tmp", path)


def _dual_stack_socket(kind, bind, port):
    """A socket bound to (bind, port); '::' accepts IPv4 and IPv6."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6 and bind == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((bind, port))
    return s


def _big_rcvbuf(s, size=16 << 20):
    """SO_RCVBUFFORCE (root: past net.core.rmem_max), else SO_RCVBUF."""
    try:
        s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33),
                     size)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _term_flag():
    """Install SIGTERM/SIGINT handlers that set a flag; returns the flag."""
    stop = threading.Event()

    def handler(_sig, _frm):
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


# ---------------------------------------------------------------- icmp-delay

class _Control:
    """A JSON file re-read when its mtime changes."""

    def __init__(self, path, defaults):
        self.path = path
        self.values = dict(defaults)
        self.mtime = None
        self.poll()

    def poll(self):
        if not self.path:
            return self.values
        try:
            m = os.stat(self.path).st_mtime_ns
        except OSError:
            return self.values
        if m != self.mtime:
            try:
                with open(self.path) as f:
                    self.values.update(json.load(f))
                self.mtime = m
            except (OSError, ValueError):
                pass  # half-written: try again next time
        return self.values


_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # == SCM_TIMESTAMPNS


def cmd_icmp_delay(a):
    ctl = _Control(a.control, {"delay_ms": a.delay_ms, "drop": False})
    socks = []
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s4.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    socks.append(s4)
    s6 = None
    if not a.no_v6:
        try:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                               socket.IPPROTO_ICMPV6)
            # ICMP6_FILTER: block everything but echo request (type 128).
            filt = bytearray(b"\xff" * 32)
            filt[128 >> 5 << 2:(128 >> 5 << 2) + 4] = struct.pack(
                "=I", 0xFFFFFFFF & ~(1 << (128 & 31)))
            s6.setsockopt(socket.IPPROTO_ICMPV6, 1, bytes(filt))
            s6.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            socks.append(s6)
        except OSError:
            s6 = None
    stop = _term_flag()
    _ready(a.ready)
    heap = []
    seq = 0
    while not stop.is_set():
        now = time.monotonic()
        timeout = 0.2
        if heap:
            timeout = max(0.0, min(timeout, heap[0][0] - now - 0.001))
        try:
            r, _, _ = select.select(socks, [], [], timeout)
        except InterruptedError:
            continue
        for s in r:
            try:
                data, anc, _, addr = s.recvmsg(65535, 64)
            except OSError:
                continue
            # Deadline from the kernel's receive time, so a late wake-up of
            # this process under load does not add to the delay.
            t_in = time.monotonic()
            for lvl, typ, val in anc:
                if lvl == socket.SOL_SOCKET and typ == _SO_TIMESTAMPNS \
                        and len(val) >= 16:
                    sec, nsec = struct.unpack("=qq", val[:16])
                    late = time.time() - (sec + nsec / 1e9)
                    if 0 <= late < 1:
                        t_in -= late
            vals = ctl.poll()
            if vals.get("drop"):
                continue
            delay = float(vals.get("delay_ms", a.delay_ms)) / 1000.0
            if s is s4:
                ihl = (data[0] & 0x0F) * 4
                icmp = data[ihl:]
                if len(icmp) < 8 or icmp[0] != 8 or icmp[1] != 0:
                    continue
                rep = bytearray(b"\x00\x00\x00\x00" + icmp[4:])
                rep[2:4] = struct.pack("!H", _checksum(bytes(rep)))
                dst = (addr[0], 0)
            else:
                icmp = data
                if len(icmp) < 8 or icmp[0] != 128:
                    continue
                # The kernel fills in the ICMPv6 checksum on raw sockets.
                rep = bytearray(b"\x81\x00\x00\x00" + icmp[4:])
                dst = addr
            seq += 1
            heapq.heappush(heap, (t_in + delay, seq, s, bytes(rep), dst))
        # Sleep only until 1 ms before the next deadline, then spin: the
        # scheduler's wake-up slack would otherwise add to the delay.
        while heap and 0 < heap[0][0] - time.monotonic() < 0.001:
            pass
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, s, rep, dst = heapq.heappop(heap)
            try:
                s.sendto(rep, dst)
            except OSError as e:
                print("icmp-delay: send to %s: %s" % (dst[0], e),
                      file=sys.stderr)
    return 0


# ----------------------------------------------------------------------- tcp

def cmd_tcp(a):
    banner = bytes.fromhex(a.banner_hex) if a.banner_hex else b""
    reply = bytes.fromhex(a.reply_hex) if a.reply_hex else None
    srv = _dual_stack_socket(socket.SOCK_STREAM, a.bind, a.port)
    srv.listen(64)
    srv.settimeout(0.2)
    stop = _term_flag()

    def serve(c):
        try:
            c.settimeout(a.hold)
            if banner:
                c.sendall(banner)
            if a.close_after_banner:
                return
            first = True
            while True:
                d = c.recv(4096)
                if not d:
                    break
                if first and reply is not None:
                    c.sendall(reply)
                first = False
        except OSError:
            pass
        finally:
            c.close()

    _ready(a.ready)
    while not stop.is_set():
        try:
            c, _ = srv.accept()
        except (socket.timeout, InterruptedError):
            continue
        except OSError:
            continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()
    return 0


# ---------------------------------------------------------------------- http

def cmd_http(a):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ctl_path = a.control
    hits_lock = threading.Lock()

    def control():
        try:
            with open(ctl_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"status": 200, "body": "ok"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "plt-lab/1"

        def log_message(self, fmt, *args):
            sys.stderr.write("http: %s\n" % (fmt % args))

        def _answer(self, with_body):
            if a.hits:
                with hits_lock, open(a.hits, "a") as f:
                    f.write("%s %s\n" % (self.command, self.path))
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            c = control()
            if c.get("delay_ms"):
                time.sleep(float(c["delay_ms"]) / 1000.0)
            body = str(c.get("body", "")).encode()
            self.send_response(int(c.get("status", 200)))
            hdrs = {"Content-Type": "text/plain"}
            hdrs.update(c.get("headers") or {})
            for k, v in hdrs.items():
                self.send_header(k, str(v))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if with_body:
                self.wfile.write(body)

        def do_GET(self):
            self._answer(True)

        def do_POST(self):
            self._answer(True)

        def do_HEAD(self):
            self._answer(False)

    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)

    family = socket.AF_INET6 if ":" in a.bind else socket.AF_INET

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

        def server_bind(self):
            if family == socket.AF_INET6 and a.bind == "::":
                self.socket.setsockopt(socket.IPPROTO_IPV6,
                                       socket.IPV6_V6ONLY, 0)
            super().server_bind()

        def finish_request(self, request, client_address):
            # TLS handshake in the per-connection thread, so a client that
            # connects and never speaks TLS cannot stall the server.
            if ctx is not None:
                request.settimeout(10)
                try:
                    request = ctx.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError) as e:
                    sys.stderr.write("https: handshake: %s\n" % e)
                    return
            super().finish_request(request, client_address)

        def handle_error(self, request, client_address):
            sys.stderr.write("http: error from %s: %s\n"
                             % (client_address, sys.exc_info()[1]))

    httpd = Server((a.bind, a.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(
        target=httpd.shutdown, daemon=True).start())
    _ready(a.ready)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


# ------------------------------------------------------------------ udp-sink

def cmd_udp_sink(a):
    s = _dual_stack_socket(socket.SOCK_DGRAM, a.bind, a.port)
    _big_rcvbuf(s)
    s.settimeout(0.2)
    stop = _term_flag()
    _ready(a.ready)
    n = nbytes = 0
    end = time.monotonic() + a.seconds if a.seconds else None
    while not stop.is_set() and (end is None or time.monotonic() < end):
        try:
            d = s.recv(65535)
        except (socket.timeout, InterruptedError):
            continue
        n += 1
        nbytes += len(d)
    s.setblocking(False)
    while True:  # count what is already queued
        try:
            d = s.recv(65535)
        except OSError:
            break
        n += 1
        nbytes += len(d)
    print(json.dumps({"packets": n, "bytes": nbytes}), flush=True)
    return 0


# ----------------------------------------------------------------- udp-burst

def cmd_udp_burst(a):
    family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    payload = bytes(a.size)
    dst = (a.dst, a.port)
    _ready(a.ready)
    total = int(round(a.pps * a.seconds))
    start = time.monotonic()
    end = start + a.seconds
    sent = errors = 0
    send = s.sendto
    # Packet k is due at start + k/pps; when the sender falls behind it
    # catches up in batches of at most 256, and it stops at the end time
    # even if it could not send them all (the achieved rate is reported).
    while sent < total:
        now = time.monotonic()
        if now >= end + 0.001:
            break
        due = min(total, int((now - start) * a.pps) + 1)
        for _ in range(min(due - sent, 256)):
            try:
                send(payload, dst)
            except OSError:
                errors += 1
            sent += 1
        if sent >= due:
            wait = start + sent / a.pps - time.monotonic()
            if wait > 0.0002:
                time.sleep(min(wait, 0.05))
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent - errors, "errors": errors,
                      "elapsed": round(elapsed, 4),
                      "pps": round((sent - errors) / elapsed, 1)}),
          flush=True)
    return 0


# ---------------------------------------------------------------------- garp

def _mac_of(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def cmd_garp(a):
    mac = _mac_of(a.iface)
    ip = socket.inet_aton(a.ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1,
                      mac, ip, b"\0" * 6, ip)
    frame = b"\xff" * 6 + mac + b"\x08\x06" + arp
    frame += b"\0" * (60 - len(frame))
    for i in range(a.count):
        s.send(frame)
        if i + 1 < a.count:
            time.sleep(a.interval)
    return 0


# --------------------------------------------------------------------- sniff

def cmd_sniff(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((a.iface, 0))
    _big_rcvbuf(s)
    s.settimeout(0.1)
    stop = _term_flag()
    _ready(a.ready)
    frames = arp = v6 = 0
    pairs = {}
    macs = set()
    protos = {1: "icmp", 6: "tcp", 17: "udp"}
    end = time.monotonic() + a.seconds
    while not stop.is_set() and time.monotonic() < end:
        try:
            d = s.recv(65535)
        except (socket.timeout, InterruptedError):
            continue
        frames += 1
        if len(d) < 14:
            continue
        macs.add(d[6:12].hex(":"))
        et = struct.unpack("!H", d[12:14])[0]
        if et == 0x0806:
            arp += 1
        elif et == 0x86DD:
            v6 += 1
        elif et == 0x0800 and len(d) >= 34:
            key = "%s>%s/%s" % (socket.inet_ntoa(d[26:30]),
                                socket.inet_ntoa(d[30:34]),
                                protos.get(d[23], str(d[23])))
            pairs[key] = pairs.get(key, 0) + 1
    print(json.dumps({"frames": frames, "arp": arp, "ipv6": v6,
                      "ipv4": pairs, "macs": sorted(macs)}), flush=True)
    return 0


# ----------------------------------------------------------------- send-pcap

def pcap_frames(path):
    """The frames of a classic pcap file with Ethernet link type."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise ValueError("%s: not a pcap file" % path)
        for order in ("<", ">"):
            magic, = struct.unpack(order + "I", hdr[:4])
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise ValueError("%s: not a classic pcap file" % path)
        if struct.unpack(order + "I", hdr[20:24])[0] & 0xFFFF != 1:
            raise ValueError("%s: link type is not Ethernet" % path)
        rec = struct.Struct(order + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            caplen = rec.unpack(h)[2]
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield data


def cmd_send_pcap(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    _ready(a.ready)
    sent = errors = 0
    send = s.send
    start = time.monotonic()
    for data in pcap_frames(a.file):
        if a.pps > 0 and sent % 64 == 0:
            wait = start + sent / a.pps - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        try:
            send(data)
        except OSError:
            errors += 1
        sent += 1
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent - errors, "errors": errors,
                      "elapsed": round(elapsed, 4),
                      "pps": round((sent - errors) / max(elapsed, 1e-9), 1)}),
          flush=True)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn):
        sp = sub.add_parser(name)
        sp.add_argument("--ready")
        sp.add_argument("--tag")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("icmp-delay", cmd_icmp_delay)
    sp.add_argument("--delay-ms", type=float, required=True)
    sp.add_argument("--control")
    sp.add_argument("--no-v6", action="store_true")

    sp = add("tcp", cmd_tcp)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--bind", default="::")
    sp.add_argument("--banner-hex", default="")
    sp.add_argument("--reply-hex")
    sp.add_argument("--close-after-banner", action="store_true")
    sp.add_argument("--hold", type=float, default=30.0)

    sp = add("http", cmd_http)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--bind", default="::")
    sp.add_argument("--control", required=True)
    sp.add_argument("--cert")
    sp.add_argument("--key")
    sp.add_argument("--hits")

    sp = add("udp-sink", cmd_udp_sink)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--bind", default="::")
    sp.add_argument("--seconds", type=float, default=0)

    sp = add("udp-burst", cmd_udp_burst)
    sp.add_argument("--dst", required=True)
    sp.add_argument("--port", type=int, default=9)
    sp.add_argument("--pps", type=float, required=True)
    sp.add_argument("--seconds", type=float, required=True)
    sp.add_argument("--size", type=int, default=64)

    sp = add("garp", cmd_garp)
    sp.add_argument("--iface", default="eth0")
    sp.add_argument("--ip", required=True)
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--interval", type=float, default=0.1)

    sp = add("sniff", cmd_sniff)
    sp.add_argument("--iface", default="cap0")
    sp.add_argument("--seconds", type=float, required=True)

    sp = add("send-pcap", cmd_send_pcap)
    sp.add_argument("--iface", default="eth0")
    sp.add_argument("--file", required=True)
    sp.add_argument("--pps", type=float, default=0)

    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
