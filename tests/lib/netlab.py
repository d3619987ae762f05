"""netlab: a throw-away network-namespace lab for pilotlight black-box tests.

Standard library only; needs root, iproute2 (ip, tc, ss), iptables, openssl,
dnsmasq (dnsmasq-base), iputils-ping and util-linux (setpriv).

Safety rules the lab enforces by construction
----------------------------------------------
* Everything lives in network namespaces the lab creates.  Every veth is
  created directly between two lab namespaces (``ip -n A link add ... peer
  ... netns B``), so no interface, route, address or iptables rule is ever
  added to the host's own namespace, and no lab namespace has any path to
  the real network.  Tests send traffic only to lab addresses (or loopback).
* All names carry the run prefix, default ``"plt" + 5 hex digits`` (e.g.
  ``plt3fa2c-nas``).  The prefix's owner (pid + process start time) is
  recorded in /run/pltlab/PREFIX.owner before anything is created.
* Teardown (``Lab.close()``, run by the context manager, by ``atexit``, and
  on SIGTERM, which the lab turns into SystemExit while it is open) kills
  every process the lab started and everything still running inside its
  namespaces, then deletes the namespaces (which removes the veths,
  bridges and iptables rules inside them).  Background processes are also
  started with a parent-death signal (``setpriv --pdeathsig KILL``) when
  spawned from the main thread, so even a SIGKILLed test leaves none.
* ``cleanup_stale()`` (called by ``Lab.__enter__``) removes ``plt*``
  namespaces whose recorded owner is dead (pid gone or reused), kills the
  processes inside them and responder processes tagged with a dead prefix.
  It never touches a live lab of a parallel run, nor a ``plt*`` namespace
  without an owner file (someone else's naming scheme).

Topology
--------
::

    "internet" bridge br1 (switch ns)          LAN bridge br0 (switch ns)
      |  anchors: lab.internet_host()            |  hosts: lab.host(), lab.new_device()
      +--- wan0 [router ns] eth0 ----------------+  monitor: lab.monitor() eth0
                                                 |
        every frame entering a br0 port --tc mirred--> capsw ==veth== cap0 (monitor ns)

* switch namespace ``PREFIX-sw``: bridge ``br0`` (LAN; STP off, forward
  delay 0, multicast snooping off, IPv6 off in the namespace) and, once a
  router exists, ``br1`` (the "internet" segment).  Ports are named ``pN``.
* host namespace ``PREFIX-NAME``: ``lo`` up, ``eth0`` on br0 (routers also
  have ``wan0`` on br1), IPv6 addresses with ``nodad`` and DAD disabled.
* monitor namespace ``PREFIX-mon``: ``eth0`` on br0 for probes and, with
  capture, ``cap0`` (no IP, no ARP, IPv6 off, promiscuous) fed by a
  ``tc ingress`` + ``u32 match u8 0 0`` + ``mirred egress mirror`` filter on
  every br0 port, including ports added later.

Example
-------
::

    sys.path.insert(0, "tests/lib"); import netlab
    with netlab.Lab() as lab:
        gw = lab.router()
        mon = lab.monitor(gateway=gw.ip)
        nas = lab.host("nas", "10.77.0.20/24", gateway=gw.ip)
        nas.http_server(80)
        anchor = lab.internet_host("anchor", "203.0.113.10/24")
        pl = lab.run_pilotlight("build/pilotlight", cfg_text)
        view, t = pl.wait_view(lambda v: netlab.led(v, "status")["state"]
                               == "OK", timeout=15)
        t_down = time.monotonic(); nas.link(False)
        view, t = pl.wait_view(lambda v: ..., since=t_down)

API
---
``cleanup_stale(verbose=False) -> list[str]``
    Remove leftovers of crashed runs (see above); returns removed names.

``Lab(name_prefix=None, keep_logs=None)`` -- context manager (``with Lab()
as lab:``).  ``lab.prefix``, ``lab.dir`` (scratch/log directory, kept when
the block raises or when PLTLAB_KEEP=1), ``lab.hosts`` (name -> Host),
``lab.switch_ns``, ``lab.monitor_ns``.
    ``lab.switch() -> str``  create (idempotent) the LAN switch; returns ns.
    ``lab.host(name, ipv4=None, ipv6=None, gateway=None, gateway6=None,
    mac=None) -> Host``  ipv4/ipv6 None: allocated from 10.77.0.0/24 and
    fd77::/64 (10.77.0.10 -> fd77::10, ...); False: none.  Addresses may
    carry a prefix length (default /24, /64).
    ``lab.router(name="gw", lan_ip="10.77.0.1/24", wan_ip="203.0.113.1/24",
    lan_ip6="fd77::1/64", wan_ip6="2001:db8::1/64") -> Host``  forwarding
    on; ``wan0`` on the "internet" bridge.  LAN hosts need
    ``gateway=router.ip`` (or ``host.set_gateway()``) to reach anchors.
    ``lab.internet_host(name, ip="203.0.113.10/24", ip6=None) -> Host``
    anchor behind the router; its default routes point at the router.
    ``lab.monitor(lan_ip="10.77.0.2/24", lan_ip6="fd77::2/64", capture=True,
    gateway=None, gateway6=None) -> Host``  the namespace pilotlight runs in
    (``lab.monitor_ns``); capture interface name: ``netlab.CAPTURE_IF``.
    ``lab.new_device(name, ip, mac, ip6=False, ping=None) -> Host``  a host
    that joins, sends 3 gratuitous ARPs, 3 UDP broadcasts and (if ping is
    an address) 3 pings.
    ``lab.traffic_burst(src, dst, pps, seconds, size=64, port=9,
    background=False) -> dict | Burst``  paced UDP from src to a sink on
    dst; returns {"sent", "errors", "elapsed", "pps", "received"}.  With
    background=True returns a Burst; ``burst.result(timeout)`` gives the
    dict.  The rate is exact (+-1 %) up to ~20 kpps; the Python sender
    tops out at 150-180 kpps of 64-byte datagrams on an idle 2-core
    machine and at 40-100 kpps when the machine is busy (the self-test
    prints the figure), so do not rely on more than ~20 kpps.  Asked for
    more, it sends what it can until the end time and reports the
    achieved "pps".  The sink uses a 16 MiB receive buffer; "received"
    below "sent" means the sink fell behind, not the lab.
    ``lab.silence_mirror()`` / ``lab.restore_mirror()``  remove / re-add
    the mirred filters (cap0 goes silent / resumes).
    ``lab.wait_for(pred, timeout, interval=0.05, what=None)``  poll until
    pred() is truthy; returns its value, raises TimeoutError.
    ``lab.make_cert(cn, days, ips=(), names=()) -> (cert, key)``  self-signed
    RSA-2048 certificate valid for ``days`` more days (``openssl req -x509
    -days N``); days <= 0 gives an already expired one (via ``openssl ca
    -selfsign`` with explicit dates).
    ``lab.run_pilotlight(binary, config_text, panel="json", args=(),
    env=None) -> PilotlightProc``  runs ``binary --panel=json -f -c CFG``
    in the monitor namespace.
    ``lab.all_pids() -> set[int]``  every pid inside the lab's namespaces.
    ``lab.close()``  teardown (idempotent).

``Host``: ``.name``, ``.ns``, ``.ip``/``.ip6`` (plain address or None),
``.cidr``/``.cidr6``, ``.mac``, ``.port`` (switch-side veth), ``.lab``.
    ``.run(cmd, check=True, timeout=30, input=None) -> CompletedProcess``
    (cmd: list, or str run by ``sh -c``; text mode).
    ``.spawn(cmd, name=None, stdout=None, stdin=None) -> Popen``  tracked,
    killed at teardown; output goes to ``lab.dir/HOST-NAME.N.log``.
    ``.ping(dst, count=3, interval=0.2, wait=1.0, size=None) -> PingResult``
    (sent, received, loss_pct, rtts_ms, avg_ms).
    ``.link(up, which="lan")``  switch-side link down/up (routers:
    which="wan" cuts the internet leg).  ``.set_gateway(ip4, ip6)``.
    ``.loss(pct, proto="icmp", direction="in")``  random drop with
    iptables/ip6tables statistic; proto icmp (echo only for IPv6), tcp, udp
    or all (IPv6 neighbour discovery is always spared); direction in, out
    or both; pct=0 removes.  ``.block_icmp(on=True)`` drops incoming echo
    requests (v4 and v6).  ``.iptables(*args, v6=False)`` raw access.
    ``.sysctl(key, value)``.
    ``.tcp_service(port, banner=b"SSH-2.0-test\\r\\n", reply=None,
    close_after_banner=False) -> Service``.
    ``.http_server(port=80, status=200, body="ok", tls=False,
    cert_days=None, headers=None) -> HttpServer``  ``.set(status=, body=,
    headers=, delay_ms=)`` at run time, ``.url``, ``.cert``/``.key``,
    ``.hits()``.  tls=True uses a fresh self-signed cert valid cert_days
    (default 365; <= 0 expired).
    ``.dns_server(records={"nas.lab": "10.77.0.20"}, port=53) ->
    DnsServer``  dnsmasq -k bound to the host's addresses; a value may be
    one address or a list (IPv4 and/or IPv6); names under the records'
    top-level domains that are not listed get NXDOMAIN.
    ``.set_records(records)`` restarts it.
    ``.delay_responder(delay_ms, v6=True) -> DelayResponder``  kernel echo
    off in the namespace, Python raw-socket responder (SCHED_FIFO via
    chrt, deadline from the kernel receive timestamp, last ms spun) answers
    after delay_ms: RTT = delay + 0.0..0.3 ms on an idle machine, a few ms
    more at worst with both cores saturated.  ``.set_delay(ms)``,
    ``.set_drop(bool)``; ``.stop()`` turns kernel echo back on.
    ``.udp_sink(port) -> Service``.  ``.sniff(seconds, iface="cap0",
    background=False) -> dict`` (responder.py sniff summary: frames, arp,
    ipv6, ipv4 {"SRC>DST/PROTO": n}, macs); background=True starts it and
    returns a callable that waits for the dict.
    ``.send_pcap(path, pps=0, iface="eth0", timeout=300) -> dict``  sends
    the frames of a classic Ethernet pcap file out of iface (AF_PACKET,
    frames as they are in the file, whatever their MACs and addresses:
    they enter the switch, so the mirror copies them to cap0); pps=0 as
    fast as the socket takes them.  Returns {"sent", "errors", "elapsed",
    "pps"}.  Unpaced, the Python sender does some 300 kframes/s of
    60-byte frames on an idle 2-core machine.
``Service``: ``.proc``, ``.log`` (path), ``.alive()``, ``.stop()``.

``PilotlightProc``: ``.press(kind="short")`` (writes a button line),
``.wait_view(pred, timeout=10, since=None) -> (view, t)`` first view
(oldest first; only those arrived at or after monotonic time ``since`` if
given) for which pred(view) is truthy; KeyError/IndexError/TypeError in
pred count as False; raises TimeoutError with the last view.
``.views`` (list of (t, dict)), ``.last_view()``, ``.other_lines``,
``.stderr_path``, ``.stderr_text()``, ``.sighup()``,
``.sigterm(timeout=10) -> (exit_code, seconds)``, ``.wait(timeout)``,
``.alive()``.  ``led(view, name)`` returns one LED dict of a view.
"""

import atexit
import binascii
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pilotlight import PilotlightProc, led, lcd_text  # noqa: E402,F401

LIB_DIR = os.path.dirname(os.path.abspath(__file__))
RESPONDER = os.path.join(LIB_DIR, "responder.py")
OWNER_DIR = "/run/pltlab"
PREFIX_RE = re.compile(r"^(plt[0-9A-Za-z]{1,8})-")
CAPTURE_IF = "cap0"
LAN_IF = "eth0"
WAN_IF = "wan0"
LAN4 = ipaddress.ip_network("10.77.0.0/24")
LAN6 = ipaddress.ip_network("fd77::/64")

_labs = set()


class LabError(RuntimeError):
    pass


# ------------------------------------------------------------------ helpers

def _cmd(argv, check=True, timeout=30, input=None):
    """Run argv (root ns, but only ip/tc commands aimed at lab namespaces)."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, input=input)
    except subprocess.TimeoutExpired as e:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(argv))) \
            from e
    if check and r.returncode != 0:
        raise LabError("command failed (%d): %s\n%s%s" % (
            r.returncode, " ".join(argv), r.stdout, r.stderr))
    return r


def _start_time(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_alive(prefix):
    try:
        with open(os.path.join(OWNER_DIR, prefix + ".owner")) as f:
            pid_s, st = f.read().split()
        pid = int(pid_s)
    except (OSError, ValueError):
        return None  # unknown
    return _start_time(pid) == st


def _netns_list():
    r = _cmd(["ip", "netns", "list"], check=False)
    return [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]


def _netns_pids(ns):
    r = _cmd(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in r.stdout.split() if x.isdigit()]


def _kill_pids(pids, grace=2.0):
    pids = [p for p in pids if p != os.getpid()]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    end = time.monotonic() + grace
    while time.monotonic() < end:
        if not any(os.path.exists("/proc/%d" % p) for p in pids):
            return
        time.sleep(0.02)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def _split(addr, default_len):
    """'10.0.0.1/24' -> ('10.0.0.1', '10.0.0.1/24'); None/False -> (None,)*2."""
    if not addr:
        return None, None
    if "/" not in addr:
        addr = "%s/%d" % (addr, default_len)
    return addr.split("/")[0], addr


def cleanup_stale(verbose=False):
    """Remove plt* namespaces, processes and files of dead lab owners."""
    removed = []
    dead = set()
    for ns in _netns_list():
        m = PREFIX_RE.match(ns)
        if not m:
            continue
        prefix = m.group(1)
        # No owner file (not a netlab run, or a teardown that failed
        # half-way): not ours to judge, leave it alone.
        if _owner_alive(prefix) is not False:
            continue
        dead.add(prefix)
        _kill_pids(_netns_pids(ns), grace=1.0)
        _cmd(["ip", "netns", "del", ns], check=False)
        removed.append(ns)
    # Tagged responders whose namespace is already gone.
    if os.path.isdir(OWNER_DIR):
        for fn in os.listdir(OWNER_DIR):
            if fn.endswith(".owner") and _owner_alive(fn[:-6]) is False:
                dead.add(fn[:-6])
    if dead:
        victims = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if b"--tag" in args:
                i = args.index(b"--tag")
                if i + 1 < len(args) and args[i + 1].decode() in dead:
                    victims.append(int(d))
        _kill_pids(victims, grace=1.0)
        for prefix in dead:
            try:
                os.unlink(os.path.join(OWNER_DIR, prefix + ".owner"))
            except OSError:
                pass
    # Kept log directories of dead owners older than a day.
    tmp = tempfile.gettempdir()
    for fn in os.listdir(tmp):
        if fn.startswith("pltlab-"):
            p = os.path.join(tmp, fn)
            try:
                old = time.time() - os.stat(p).st_mtime > 86400
            except OSError:
                continue
            if old and _owner_alive(fn[7:]) is not True:
                shutil.rmtree(p, ignore_errors=True)
    if verbose and removed:
        print("netlab: removed stale namespaces: %s" % " ".join(removed),
              file=sys.stderr)
    return removed


class PingResult:
    def __init__(self, sent, received, rtts, out):
        self.sent = sent
        self.received = received
        self.rtts_ms = rtts
        self.output = out

    @property
    def loss_pct(self):
        return 100.0 * (self.sent - self.received) / self.sent if self.sent \
            else 0.0

    @property
    def avg_ms(self):
        return sum(self.rtts_ms) / len(self.rtts_ms) if self.rtts_ms else None

    def __repr__(self):
        return "PingResult(sent=%d, received=%d, avg_ms=%s)" % (
            self.sent, self.received, self.avg_ms)


# ----------------------------------------------------------------- services

class Service:
    """A background process in a lab namespace."""

    def __init__(self, host, proc, log, what):
        self.host = host
        self.proc = proc
        self.log = log
        self.what = what

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.host.lab._stop_proc(self.proc)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __repr__(self):
        return "<%s %s on %s>" % (type(self).__name__, self.what,
                                  self.host.name)


class HttpServer(Service):
    def __init__(self, host, proc, log, what, control, hits, port, tls,
                 cert, key):
        super().__init__(host, proc, log, what)
        self.control = control
        self.hits_file = hits
        self.port = port
        self.tls = tls
        self.cert = cert
        self.key = key
        scheme = "https" if tls else "http"
        self.url = "%s://%s:%d/" % (scheme, host.ip or "[%s]" % host.ip6,
                                    port)

    def set(self, status=None, body=None, headers=None, delay_ms=None):
        """Change the answer; takes effect on the next request."""
        with open(self.control) as f:
            c = json.load(f)
        if status is not None:
            c["status"] = status
        if body is not None:
            c["body"] = body
        if headers is not None:
            c["headers"] = headers
        if delay_ms is not None:
            c["delay_ms"] = delay_ms
        _write_json(self.control, c)

    def hits(self):
        try:
            with open(self.hits_file) as f:
                return f.read().splitlines()
        except OSError:
            return []


class DnsServer(Service):
    def __init__(self, host, proc, log, what, port, records):
        super().__init__(host, proc, log, what)
        self.port = port
        self.records = records

    def set_records(self, records):
        """Restart dnsmasq with a new record set."""
        self.stop()
        new = self.host.dns_server(records, port=self.port)
        self.proc, self.log, self.records = new.proc, new.log, records


class DelayResponder(Service):
    def __init__(self, host, proc, log, what, control):
        super().__init__(host, proc, log, what)
        self.control = control

    def _update(self, **kw):
        with open(self.control) as f:
            c = json.load(f)
        c.update(kw)
        _write_json(self.control, c)
        time.sleep(0.02)  # mtime granularity is fine-grained, but be safe

    def set_delay(self, delay_ms):
        self._update(delay_ms=delay_ms)

    def set_drop(self, drop=True):
        """Stop answering (True) or answer again (False)."""
        self._update(drop=bool(drop))

    def stop(self):
        super().stop()
        self.host.sysctl("net.ipv4.icmp_echo_ignore_all", 0)
        self.host.sysctl("net.ipv6.icmp.echo_ignore_all", 0, check=False)


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


class Burst:
    """A traffic_burst running in the background."""

    def __init__(self, lab, sender, sink, out):
        self.lab, self.sender, self.sink, self.out = lab, sender, sink, out

    def result(self, timeout=None):
        try:
            self.sender.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError("traffic burst still running")
        with open(self.out) as f:
            res = json.loads(f.read().strip().splitlines()[-1])
        time.sleep(0.1)
        self.sink.proc.send_signal(signal.SIGTERM)
        try:
            self.sink.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.sink.stop()
        txt = self.sink.log_text().strip().splitlines()
        res["received"] = json.loads(txt[-1])["packets"] if txt else None
        return res


# --------------------------------------------------------------------- Host

class Host:
    def __init__(self, lab, name, ns):
        self.lab = lab
        self.name = name
        self.ns = ns
        self.ip = self.cidr = self.ip6 = self.cidr6 = None
        self.mac = None
        self.port = None        # switch-side veth of eth0
        self.wan_port = None    # routers: switch-side veth of wan0
        self._chains = set()

    def __repr__(self):
        return "<Host %s ns=%s ip=%s ip6=%s>" % (self.name, self.ns, self.ip,
                                                 self.ip6)

    # -- processes
    def _argv(self, cmd):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return ["ip", "netns", "exec", self.ns] + list(cmd)

    def run(self, cmd, check=True, timeout=30, input=None):
        """Run cmd in the namespace; returns CompletedProcess (text)."""
        return _cmd(self._argv(cmd), check=check, timeout=timeout,
                    input=input)

    def spawn(self, cmd, name=None, stdout=None, stdin=None, env=None):
        """Start cmd in the background; killed at teardown."""
        return self.lab._spawn(self, cmd, name=name, stdout=stdout,
                               stdin=stdin, env=env)

    def sysctl(self, key, value, check=True):
        return self.run(["sysctl", "-qw", "%s=%s" % (key, value)],
                        check=check)

    def ping(self, dst, count=3, interval=0.2, wait=1.0, size=None):
        argv = ["ping", "-n", "-c", str(count), "-i", str(interval),
                "-W", str(wait)]
        if size is not None:
            argv += ["-s", str(size)]
        r = self.run(argv + [dst], check=False,
                     timeout=count * interval + wait + 10)
        rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", r.stdout)]
        m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received",
                      r.stdout)
        sent, recv = (int(m.group(1)), int(m.group(2))) if m else (count, 0)
        return PingResult(sent, recv, rtts, r.stdout + r.stderr)

    # -- links and routes
    def link(self, up, which="lan"):
        """Take this host's switch link down (False) or up (True).

        which="wan" (routers only) acts on the internet leg instead, which
        cuts every LAN host off from the internet anchors.
        """
        port = self.wan_port if which == "wan" else self.port
        if port is None:
            raise LabError("%s has no %s link" % (self.name, which))
        _cmd(["ip", "-n", self.lab.switch_ns, "link", "set", port,
              "up" if up else "down"])

    def set_gateway(self, ip4=None, ip6=None):
        if ip4:
            self.run(["ip", "route", "replace", "default", "via",
                      ip4.split("/")[0]])
        if ip6:
            self.run(["ip", "-6", "route", "replace", "default", "via",
                      ip6.split("/")[0]])

    # -- firewalling (inside this namespace only)
    def iptables(self, *args, v6=False, check=True):
        return self.run(["ip6tables" if v6 else "iptables", "-w"] +
                        list(args), check=check)

    def _chain(self, chain, parent):
        for v6 in (False, True):
            key = (chain, v6)
            if key in self._chains:
                continue
            self.iptables("-N", chain, v6=v6)
            self.iptables("-I", parent, "1", "-j", chain, v6=v6)
            self._chains.add(key)
        for v6 in (False, True):
            self.iptables("-F", chain, v6=v6)

    def loss(self, pct, proto="icmp", direction="in"):
        """Randomly drop pct % of packets (0 removes the rule).

        proto: "icmp" (v4 ICMP, v6 echo request/reply only), "tcp", "udp"
        or "all" (IPv6 neighbour discovery spared).  direction: "in"
        (INPUT), "out" (OUTPUT) or "both".
        """
        if proto not in ("icmp", "tcp", "udp", "all"):
            raise ValueError("proto: icmp, tcp, udp or all")
        dirs = {"in": ["INPUT"], "out": ["OUTPUT"],
                "both": ["INPUT", "OUTPUT"]}[direction]
        for parent in ("INPUT", "OUTPUT"):
            chain = "PLT_LOSS_" + parent[:3]
            if parent not in dirs and (chain, False) not in self._chains:
                continue
            self._chain(chain, parent)
            if parent not in dirs or pct <= 0:
                continue
            drop = ["-j", "DROP"]
            if pct < 100:
                drop = ["-m", "statistic", "--mode", "random",
                        "--probability", "%.4f" % (pct / 100.0)] + drop
            if proto == "icmp":
                self.iptables("-A", chain, "-p", "icmp", *drop)
                for t in ("echo-request", "echo-reply"):
                    self.iptables("-A", chain, "-p", "ipv6-icmp",
                                  "--icmpv6-type", t, *drop, v6=True)
            elif proto in ("tcp", "udp"):
                self.iptables("-A", chain, "-p", proto, *drop)
                self.iptables("-A", chain, "-p", proto, *drop, v6=True)
            else:
                self.iptables("-A", chain, *drop)
                for t in ("133", "134", "135", "136"):
                    self.iptables("-A", chain, "-p", "ipv6-icmp",
                                  "--icmpv6-type", t, "-j", "RETURN",
                                  v6=True)
                self.iptables("-A", chain, *drop, v6=True)

    def block_icmp(self, on=True):
        """Drop incoming echo requests (IPv4 and IPv6) or stop doing so."""
        self._chain("PLT_BLOCK", "INPUT")
        if on:
            self.iptables("-A", "PLT_BLOCK", "-p", "icmp", "--icmp-type",
                          "echo-request", "-j", "DROP")
            self.iptables("-A", "PLT_BLOCK", "-p", "ipv6-icmp",
                          "--icmpv6-type", "echo-request", "-j", "DROP",
                          v6=True)

    # -- services
    def _responder(self, sub, args, name, ready=True, rt=False):
        lab = self.lab
        lab._seq += 1
        ready_file = os.path.join(lab.dir, "%s-%s.%d.ready" % (
            self.name, name, lab._seq))
        argv = [sys.executable, RESPONDER, sub, "--tag", lab.prefix] + \
            [str(a) for a in args]
        if rt and shutil.which("chrt"):
            # SCHED_FIFO: answers on time even when the CPUs are busy.
            argv = ["chrt", "--fifo", "10"] + argv
        if ready:
            argv += ["--ready", ready_file]
        p = self.spawn(argv, name=name)
        log = lab._log_of[p.pid]
        if ready:
            try:
                lab.wait_for(lambda: os.path.exists(ready_file) or
                             p.poll() is not None, 10,
                             what="%s on %s" % (sub, self.name))
            except TimeoutError:
                pass
            if not os.path.exists(ready_file):
                raise LabError("%s on %s did not start:\n%s" % (
                    sub, self.name, open(log, errors="replace").read()))
        return p, log

    def tcp_service(self, port, banner=b"SSH-2.0-test\r\n", reply=None,
                    close_after_banner=False):
        args = ["--port", port, "--banner-hex",
                binascii.hexlify(banner or b"").decode()]
        if reply is not None:
            args += ["--reply-hex", binascii.hexlify(reply).decode()]
        if close_after_banner:
            args.append("--close-after-banner")
        p, log = self._responder("tcp", args, "tcp%d" % port)
        return Service(self, p, log, "tcp/%d" % port)

    def http_server(self, port=80, status=200, body="ok", tls=False,
                    cert_days=None, headers=None):
        name = "%s%d" % ("https" if tls else "http", port)
        control = os.path.join(self.lab.dir, "%s-%s.json" % (self.name, name))
        hits = os.path.join(self.lab.dir, "%s-%s.hits" % (self.name, name))
        _write_json(control, {"status": status, "body": body,
                              "headers": headers or {}, "delay_ms": 0})
        args = ["--port", port, "--control", control, "--hits", hits]
        cert = key = None
        if tls:
            cert, key = self.lab.make_cert(
                "%s.lab" % self.name, 365 if cert_days is None else cert_days,
                ips=[a for a in (self.ip, self.ip6) if a],
                names=["%s.lab" % self.name])
            args += ["--cert", cert, "--key", key]
        p, log = self._responder("http", args, name)
        return HttpServer(self, p, log, name, control, hits, port, tls,
                          cert, key)

    def dns_server(self, records=None, port=53):
        if records is None:
            records = {"nas.lab": "10.77.0.20"}
        argv = ["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--no-poll", "--bind-interfaces",
                "--user=root", "--group=root", "--log-queries",
                "--log-facility=-", "--port=%d" % port,
                "--pid-file=" + os.path.join(self.lab.dir,
                                             "%s-dns.pid" % self.name)]
        for a in (self.ip, self.ip6):
            if a:
                argv.append("--listen-address=" + a)
        domains = set()
        for name, addrs in records.items():
            if isinstance(addrs, str):
                addrs = [addrs]
            argv.append("--host-record=%s,%s" % (name, ",".join(addrs)))
            domains.add(name.rsplit(".", 1)[-1])
        for d in sorted(domains):
            argv.append("--local=/%s/" % d)
        p = self.spawn(argv, name="dns%d" % port)
        log = self.lab._log_of[p.pid]

        def listening():
            if p.poll() is not None:
                return True
            r = self.run(["ss", "-Hlnu", "sport = :%d" % port], check=False)
            return bool(r.stdout.strip())

        self.lab.wait_for(listening, 10, what="dnsmasq on %s" % self.name)
        if p.poll() is not None:
            raise LabError("dnsmasq on %s exited:\n%s" % (
                self.name, open(log, errors="replace").read()))
        return DnsServer(self, p, log, "dns/%d" % port, port, dict(records))

    def delay_responder(self, delay_ms, v6=True):
        control = os.path.join(self.lab.dir, "%s-icmp.json" % self.name)
        _write_json(control, {"delay_ms": delay_ms, "drop": False})
        self.sysctl("net.ipv4.icmp_echo_ignore_all", 1)
        if v6:
            self.sysctl("net.ipv6.icmp.echo_ignore_all", 1)
        args = ["--delay-ms", delay_ms, "--control", control]
        if not v6:
            args.append("--no-v6")
        p, log = self._responder("icmp-delay", args, "icmp", rt=True)
        return DelayResponder(self, p, log, "icmp-delay", control)

    def udp_sink(self, port):
        p, log = self._responder("udp-sink", ["--port", port],
                                 "sink%d" % port)
        return Service(self, p, log, "udp-sink/%d" % port)

    def send_pcap(self, path, pps=0, iface=LAN_IF, timeout=300):
        """Send the frames of a pcap file out of iface; returns the
        sender's {"sent", "errors", "elapsed", "pps"}."""
        r = self.run([sys.executable, RESPONDER, "send-pcap", "--tag",
                      self.lab.prefix, "--iface", iface, "--file",
                      os.path.abspath(path), "--pps", str(pps)],
                     timeout=timeout)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def sniff(self, seconds, iface=CAPTURE_IF, background=False):
        """Count frames on iface; background=True returns a callable that
        waits and returns the summary dict."""
        p, log = self._responder("sniff", ["--iface", iface, "--seconds",
                                           seconds], "sniff-" + iface)

        def result():
            p.wait(seconds + 10)
            txt = open(log).read().strip().splitlines()
            return json.loads(txt[-1])

        return result if background else result()


# --------------------------------------------------------------------- Lab

class Lab:
    def __init__(self, name_prefix=None, keep_logs=None):
        if name_prefix is None:
            name_prefix = "plt" + os.urandom(3).hex()[:5]
        if not PREFIX_RE.match(name_prefix + "-"):
            raise ValueError("name_prefix must be 'plt' + 1..8 alphanumerics")
        self.prefix = name_prefix
        self.dir = None
        self.hosts = {}
        self.switch_ns = None
        self.monitor_ns = None
        self.keep_logs = (os.environ.get("PLTLAB_KEEP") == "1"
                          if keep_logs is None else keep_logs)
        self._namespaces = []
        self._procs = []
        self._log_of = {}
        self._ports = []           # LAN (br0) switch-side ports
        self._nports = 0
        self._capture = False
        self._mirror_on = True
        self._inet = False
        self._router = None
        self._next_ip = 10
        self._pilots = []
        self._closed = True
        self._old_sigterm = None
        self._failed = False
        self._seq = 0

    # -- lifecycle
    def __enter__(self):
        self.open()
        return self

    def __exit__(self, et, ev, tb):
        self._failed = et is not None
        self.close()
        return False

    def open(self):
        if os.geteuid() != 0:
            raise LabError("netlab needs root")
        cleanup_stale(verbose=True)
        os.makedirs(OWNER_DIR, exist_ok=True)
        with open(os.path.join(OWNER_DIR, self.prefix + ".owner"), "w") as f:
            f.write("%d %s\n" % (os.getpid(), _start_time(os.getpid())))
        self.dir = tempfile.mkdtemp(prefix="pltlab-%s-" % self.prefix)
        self._closed = False
        _labs.add(self)
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            self.switch()
        except BaseException:
            self._failed = True
            self.close()
            raise
        return self

    def close(self):
        if self._closed:
            return
        self._closed = True
        for pl in self._pilots:
            pl._kill()
        for p in self._procs:
            self._stop_proc(p, grace=1.0)
        pids = self.all_pids()
        _kill_pids(list(pids), grace=1.0)
        left = []
        for ns in reversed(self._namespaces):
            r = _cmd(["ip", "netns", "del", ns], check=False)
            if r.returncode != 0 and ns in _netns_list():
                left.append(ns)
        if left:
            # Keep the owner file: cleanup_stale() of a later run removes
            # these once this process is gone.
            print("netlab: could not delete %s" % " ".join(left),
                  file=sys.stderr)
        else:
            try:
                os.unlink(os.path.join(OWNER_DIR, self.prefix + ".owner"))
            except OSError:
                pass
        _labs.discard(self)
        if self._old_sigterm is not None:
            try:
                signal.signal(signal.SIGTERM, self._old_sigterm)
            except ValueError:
                pass
        if self.dir:
            if self._failed or self.keep_logs:
                print("netlab: logs kept in %s" % self.dir, file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def all_pids(self):
        pids = set()
        for ns in self._namespaces:
            pids.update(_netns_pids(ns))
        pids.discard(os.getpid())
        return pids

    # -- plumbing
    def _ns(self, short):
        ns = "%s-%s" % (self.prefix, short)
        if ns in self._namespaces:
            raise LabError("namespace %s exists" % ns)
        _cmd(["ip", "netns", "add", ns])
        self._namespaces.append(ns)
        _cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
        return ns

    def _ns_sysctl(self, ns, key, value):
        _cmd(["ip", "netns", "exec", ns, "sysctl", "-qw",
              "%s=%s" % (key, value)])

    def _spawn(self, host, cmd, name=None, stdout=None, stdin=None,
               env=None):
        if self._closed:
            raise LabError("lab is closed")
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        cmd = [str(c) for c in cmd]
        name = name or os.path.basename(cmd[0])
        argv = ["ip", "netns", "exec", host.ns]
        if threading.current_thread() is threading.main_thread():
            argv += ["setpriv", "--pdeathsig", "KILL", "--"]
        self._seq += 1
        log = os.path.join(self.dir, "%s-%s.%d.log" % (host.name, name,
                                                       self._seq))
        logf = open(log, "ab")
        try:
            p = subprocess.Popen(argv + cmd,
                                 stdout=stdout if stdout is not None else logf,
                                 stderr=logf,
                                 stdin=stdin if stdin is not None
                                 else subprocess.DEVNULL,
                                 env=env)
        finally:
            logf.close()
        self._procs.append(p)
        self._log_of[p.pid] = log
        return p

    def _stop_proc(self, p, grace=2.0):
        if p.poll() is None:
            try:
                p.terminate()
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                try:
                    p.wait(2)
                except subprocess.TimeoutExpired:
                    pass
            except OSError:
                pass

    def _mirror_add(self, port):
        sw = self.switch_ns
        _cmd(["tc", "-n", sw, "qdisc", "replace", "dev", port, "ingress"])
        _cmd(["tc", "-n", sw, "filter", "add", "dev", port, "parent",
              "ffff:", "protocol", "all", "prio", "10", "u32", "match", "u8",
              "0", "0", "action", "mirred", "egress", "mirror", "dev",
              "capsw"])

    def _mirror_del(self, port):
        _cmd(["tc", "-n", self.switch_ns, "qdisc", "del", "dev", port,
              "ingress"], check=False)

    def _plug(self, ns, ifname, bridge="br0", mac=None):
        """veth ifname in ns <-> pN on bridge in the switch; returns pN."""
        self._nports += 1
        port = "p%d" % self._nports
        argv = ["ip", "-n", ns, "link", "add", ifname]
        if mac:
            argv += ["address", mac]
        argv += ["type", "veth", "peer", "name", port, "netns",
                 self.switch_ns]
        _cmd(argv)
        sw = self.switch_ns
        _cmd(["ip", "-n", sw, "link", "set", port, "master", bridge])
        _cmd(["ip", "-n", sw, "link", "set", port, "up"])
        _cmd(["ip", "-n", ns, "link", "set", ifname, "up"])
        if bridge == "br0":
            self._ports.append(port)
            if self._capture and self._mirror_on:
                self._mirror_add(port)
        return port

    def _bridge(self, br):
        sw = self.switch_ns
        _cmd(["ip", "-n", sw, "link", "add", br, "type", "bridge",
              "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"])
        _cmd(["ip", "-n", sw, "link", "set", br, "up"])

    def _new_host(self, name, short=None):
        if name in self.hosts:
            raise LabError("host %s exists" % name)
        if not re.match(r"^[A-Za-z0-9_.]{1,20}$", name):
            raise ValueError("host name: 1..20 of [A-Za-z0-9_.]")
        ns = self._ns(short or name)
        for k in ("net.ipv6.conf.all.accept_dad", "net.ipv6.conf.default.accept_dad"):
            self._ns_sysctl(ns, k, 0)
        self._ns_sysctl(ns, "net.ipv6.conf.default.accept_ra", 0)
        h = Host(self, name, ns)
        self.hosts[name] = h
        return h

    def _address(self, h, ifname, ip4, ip6):
        h_ip, h_cidr = _split(ip4, 24)
        h_ip6, h_cidr6 = _split(ip6, 64)
        if h_cidr:
            _cmd(["ip", "-n", h.ns, "addr", "add", h_cidr, "dev", ifname])
        if h_cidr6:
            _cmd(["ip", "-n", h.ns, "addr", "add", h_cidr6, "dev", ifname,
                  "nodad"])
        return h_ip, h_cidr, h_ip6, h_cidr6

    def _alloc(self):
        while True:
            n = self._next_ip
            self._next_ip += 1
            if n > 250:
                raise LabError("out of automatic addresses")
            ip4 = str(LAN4.network_address + n)
            if all(x.ip != ip4 for x in self.hosts.values()):
                return "%s/24" % ip4, "fd77::%d/64" % n

    # -- public: building
    def switch(self):
        if self.switch_ns:
            return self.switch_ns
        ns = self._ns("sw")
        self.switch_ns = ns
        self._ns_sysctl(ns, "net.ipv6.conf.all.disable_ipv6", 1)
        self._ns_sysctl(ns, "net.ipv6.conf.default.disable_ipv6", 1)
        self._bridge("br0")
        return ns

    def host(self, name, ipv4=None, ipv6=None, gateway=None, gateway6=None,
             mac=None):
        self.switch()
        if ipv4 is None or ipv6 is None:
            a4, a6 = self._alloc()
            ipv4 = a4 if ipv4 is None else ipv4
            ipv6 = a6 if ipv6 is None else ipv6
        h = self._new_host(name)
        h.port = self._plug(h.ns, LAN_IF, mac=mac)
        h.ip, h.cidr, h.ip6, h.cidr6 = self._address(h, LAN_IF, ipv4, ipv6)
        h.mac = self._mac(h.ns, LAN_IF)
        h.set_gateway(gateway, gateway6)
        return h

    def _mac(self, ns, ifname):
        r = _cmd(["ip", "-n", ns, "-j", "link", "show", ifname])
        return json.loads(r.stdout)[0]["address"]

    def router(self, name="gw", lan_ip="10.77.0.1/24", wan_ip="203.0.113.1/24",
               lan_ip6="fd77::1/64", wan_ip6="2001:db8::1/64"):
        if self._router:
            raise LabError("one router per lab")
        self.switch()
        if not self._inet:
            self._bridge("br1")
            self._inet = True
        h = self.host(name, lan_ip, lan_ip6 or False)
        h.wan_port = self._plug(h.ns, WAN_IF, bridge="br1")
        h.wan_ip, h.wan_cidr, h.wan_ip6, h.wan_cidr6 = self._address(
            h, WAN_IF, wan_ip, wan_ip6)
        h.sysctl("net.ipv4.ip_forward", 1)
        h.sysctl("net.ipv6.conf.all.forwarding", 1)
        self._router = h
        return h

    def internet_host(self, name, ip="203.0.113.10/24", ip6=None):
        if not self._router:
            raise LabError("create lab.router() first")
        r = self._router
        h = self._new_host(name)
        h.port = self._plug(h.ns, LAN_IF, bridge="br1")
        h.ip, h.cidr, h.ip6, h.cidr6 = self._address(h, LAN_IF, ip, ip6)
        h.mac = self._mac(h.ns, LAN_IF)
        h.set_gateway(r.wan_ip, r.wan_ip6 if h.ip6 else None)
        return h

    def monitor(self, lan_ip="10.77.0.2/24", lan_ip6="fd77::2/64",
                capture=True, gateway=None, gateway6=None):
        if self.monitor_ns:
            raise LabError("one monitor per lab")
        self.switch()
        h = self._new_host("mon")
        h.port = self._plug(h.ns, LAN_IF)
        h.ip, h.cidr, h.ip6, h.cidr6 = self._address(h, LAN_IF, lan_ip,
                                                     lan_ip6)
        h.mac = self._mac(h.ns, LAN_IF)
        h.set_gateway(gateway, gateway6)
        self.monitor_ns = h.ns
        if capture:
            sw = self.switch_ns
            h.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
            _cmd(["ip", "-n", h.ns, "link", "add", CAPTURE_IF, "type",
                  "veth", "peer", "name", "capsw", "netns", sw])
            h.sysctl("net.ipv6.conf.default.disable_ipv6", 0)
            h.sysctl("net.ipv6.conf.%s.disable_ipv6" % CAPTURE_IF, 1)
            _cmd(["ip", "-n", h.ns, "link", "set", CAPTURE_IF, "arp", "off",
                  "promisc", "on", "up"])
            _cmd(["ip", "-n", sw, "link", "set", "capsw", "arp", "off", "up"])
            self._capture = True
            if self._mirror_on:
                for port in self._ports:
                    self._mirror_add(port)
        h.cap_if = CAPTURE_IF if capture else None
        return h

    def new_device(self, name, ip, mac, ip6=False, ping=None):
        h = self.host(name, ip, ip6, mac=mac)
        h.run([sys.executable, RESPONDER, "garp", "--iface", LAN_IF,
               "--ip", h.ip, "--count", "3", "--interval", "0.05"])
        bcast = str(ipaddress.ip_interface(h.cidr).network.broadcast_address)
        h.run([sys.executable, "-c",
               "import socket,time\n"
               "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
               "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n"
               "for i in range(3):\n"
               " s.sendto(b'plt-new-device',('%s',9)); time.sleep(0.05)\n"
               % bcast])
        if ping:
            h.ping(ping, count=3, interval=0.1, wait=1)
        return h

    # -- public: knobs
    def silence_mirror(self):
        self._mirror_on = False
        for port in self._ports:
            self._mirror_del(port)

    def restore_mirror(self):
        if self._mirror_on:
            return
        self._mirror_on = True
        if self._capture:
            for port in self._ports:
                self._mirror_add(port)

    def traffic_burst(self, src, dst, pps, seconds, size=64, port=9,
                      background=False):
        sink = dst.udp_sink(port)
        out = os.path.join(self.dir, "burst-%s-%s-%d.json" % (
            src.name, dst.name, len(self._procs)))
        target = dst.ip or dst.ip6
        argv = [sys.executable, RESPONDER, "udp-burst", "--tag", self.prefix,
                "--dst", target, "--port", port, "--pps", pps, "--seconds",
                seconds, "--size", size]
        outf = open(out, "wb")
        try:
            sender = src.spawn(argv, name="burst", stdout=outf)
        finally:
            outf.close()
        b = Burst(self, sender, sink, out)
        return b if background else b.result(seconds + 30)

    def wait_for(self, pred, timeout, interval=0.05, what=None):
        end = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() >= end:
                raise TimeoutError("timed out after %ss waiting for %s" % (
                    timeout, what or getattr(pred, "__name__", "condition")))
            time.sleep(interval)

    def make_cert(self, cn, days, ips=(), names=()):
        d = tempfile.mkdtemp(prefix="cert-", dir=self.dir)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        san = ",".join(["DNS:%s" % n for n in ([cn] + list(names))] +
                       ["IP:%s" % i for i in ips])
        if days > 0:
            _cmd(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                  "-days", str(int(days)), "-subj", "/CN=%s" % cn,
                  "-addext", "subjectAltName=%s" % san,
                  "-keyout", key, "-out", cert])
            return cert, key
        # Already expired: openssl ca -selfsign with explicit dates.
        end = time.time() + days * 86400 - 3600
        start = end - 30 * 86400
        fmt = "%Y%m%d%H%M%SZ"
        cnf = os.path.join(d, "ca.cnf")
        with open(cnf, "w") as f:
            f.write("[ca]\ndefault_ca=lab\n[lab]\ndir=%s\ndatabase=%s/index"
                    "\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256"
                    "\npolicy=pol\ncopy_extensions=copy\nunique_subject=no\n"
                    "[pol]\ncommonName=supplied\n[req]\n"
                    "distinguished_name=dn\n[dn]\n" % (d, d, d, d))
        open(os.path.join(d, "index"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("01\n")
        csr = os.path.join(d, "req.csr")
        _cmd(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
              "-config", cnf, "-subj", "/CN=%s" % cn,
              "-addext", "subjectAltName=%s" % san, "-keyout", key,
              "-out", csr])
        _cmd(["openssl", "ca", "-batch", "-config", cnf, "-selfsign",
              "-keyfile", key, "-in", csr, "-out", cert, "-notext",
              "-startdate", time.strftime(fmt, time.gmtime(start)),
              "-enddate", time.strftime(fmt, time.gmtime(end))])
        return cert, key

    def run_pilotlight(self, binary, config_text, panel="json", args=(),
                       env=None):
        if not self.monitor_ns:
            raise LabError("create lab.monitor() first")
        binary = os.path.abspath(binary)
        n = len(self._pilots)
        cfg = os.path.join(self.dir, "pilotlight-%d.cfg" % n)
        with open(cfg, "w") as f:
            f.write(config_text)
        p = PilotlightProc(binary, cfg, panel, args, env,
                           netns=self.monitor_ns,
                           stderr_path=os.path.join(
                               self.dir, "pilotlight-%d.stderr" % n))
        self._pilots.append(p)
        return p


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


@atexit.register
def _close_all():
    for lab in list(_labs):
        try:
            lab.close()
        except Exception as e:  # teardown must go on
            print("netlab: teardown: %s" % e, file=sys.stderr)
