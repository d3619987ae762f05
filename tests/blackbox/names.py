#!/usr/bin/env python3
"""Black-box test of host names learned from the mirror, in the netlab lab.

    python3 tests/blackbox/names.py --binary build/pilotlight

The real binary captures the lab's mirror port in the monitor namespace
with a 20x4 LCD showing the traffic page, /metrics and an events file.
Lab hosts send what real devices send, built here byte by byte:

  - a DHCP exchange: the printer broadcasts a REQUEST with hostname
    "printer-3f" (option 12), a lab host acting as the server broadcasts
    the ACK binding 10.77.0.60 to the printer's MAC; the printer then
    talks.  The new-device event names it, /metrics has
    pilotlight_host_name_info{...,name="printer-3f",source="dhcp"}, the
    LCD names it as the newest device and, once it sends the most, as
    the top talker;
  - an mDNS announcement (a response to 224.0.0.251:5353 with an A record
    "nas-7.local" -> 10.77.0.61, cache-flush bit set): named "nas-7",
    source "mdns";
  - a hostile hostname (quotes, a backslash, a newline, an escape
    sequence) is shown sanitized, and /metrics passes promtool;
  - with capture.reverse_dns on, a lab dnsmasq answers the PTR of a
    device that neither DHCP nor mDNS named: source "rdns";
  - a reload that turns reverse DNS off drops its counters, keeps names;
  - SIGTERM ends it with 0 (under ASan: no leak at exit).

Needs root, iproute2, dnsmasq and what tests/lib/netlab.py needs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import netlab  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
PORT = 9776

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
daemon = {{ state_dir = "{state}"; }};
hosts = ();
capture = {{
	interfaces = ["{cap}"];
	local_networks = ["10.77.0.0/24"];
	snaplen = 1514;
	reverse_dns = true;
	reverse_dns_server = "{dns}";
}};
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; top_hosts = 5; }};
events = {{ file = "{events}"; syslog = false; rate_limit = 100; }};
indicators = {{
	lcd = {{ bus = 1; address = 0x27; cols = 20; rows = 4;
		pages = ["traffic"]; }};
}};
"""

# A DHCP message (RFC 2131) out of a UDP socket, built with struct.
DHCP = r"""
import socket, struct, sys
op, mac, yiaddr, dst, sport, dport = sys.argv[1:7]
opts = bytes.fromhex(sys.argv[7])
op = int(op)
chaddr = bytes.fromhex(mac.replace(":", "")).ljust(16, b"\0")
ip = lambda s: socket.inet_aton(s)
msg = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, 0x3903f326,
                  0, 0x8000, ip("0.0.0.0"), ip(yiaddr), ip("0.0.0.0"),
                  ip("0.0.0.0"), chaddr, b"", b"")
msg += b"\x63\x82\x53\x63" + opts + b"\xff"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sport)))
for _ in range(2):
    s.sendto(msg, (dst, int(dport)))
"""

# An mDNS response (RFC 6762) announcing NAME.local -> ADDR.
MDNS = r"""
import socket, struct, sys
name, addr = sys.argv[1], sys.argv[2]
owner = b"".join(bytes([len(l)]) + l.encode() for l in (name, "local"))
msg = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + owner + b"\0"
msg += struct.pack("!HHIH", 1, 0x8001, 120, 4) + socket.inet_aton(addr)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             socket.inet_aton(addr))
for _ in range(2):
    s.sendto(msg, ("224.0.0.251", 5353))
"""

GET = ("import urllib.request;print(urllib.request.urlopen("
       "'http://127.0.0.1:%d/metrics',timeout=5).read().decode())" % PORT)


def opt(code, data):
    return bytes([code, len(data)]) + data


def lcd(view, row):
    return view["lcd"][row]


class Names(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = netlab.Lab()
        lab = cls.lab.__enter__()
        try:
            cls.mon = lab.monitor(capture=True)
            cls.srv = lab.host("dhcpd", "10.77.0.1/24", False)
            cls.dns = cls.srv.dns_server(
                {"laptop-9.lab": "10.77.0.62"}, port=53)
            cls.state_dir = os.path.join(lab.dir, "state")
            os.makedirs(cls.state_dir)
            cls.events = os.path.join(lab.dir, "events.jsonl")
            cls.pl = lab.run_pilotlight(BINARY, CONFIG.format(
                state=cls.state_dir, cap=netlab.CAPTURE_IF,
                port=PORT, events=cls.events, dns=cls.srv.ip))
            cls.pl.wait_view(lambda v: lcd(v, 0).strip() != "", timeout=20)
            # the server and the monitor (its PTR queries) are known
            # devices before any test: the LCD's "new" row is the newest
            cls.srv.ping(cls.mon.ip, count=2, interval=0.2)
            cls.pl.wait_view(lambda v: lcd(v, 3).startswith("new 10.77.0."),
                             timeout=10)
        except BaseException:
            cls.lab.__exit__(*sys.exc_info())
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pl.alive():
            cls.pl.sigterm()
        cls.lab.__exit__(None, None, None)

    def metrics(self):
        return self.mon.run([sys.executable, "-c", GET]).stdout

    def wait_metric(self, pattern, timeout=10):
        end = time.monotonic() + timeout
        while True:
            text = self.metrics()
            m = re.search(pattern, text, re.M)
            if m or time.monotonic() > end:
                self.assertTrue(m, "no %r on /metrics:\n%s" % (
                    pattern, "\n".join(l for l in text.splitlines()
                                       if "name" in l)))
                return text
            time.sleep(0.5)

    def event_lines(self, needle, timeout=10):
        end = time.monotonic() + timeout
        while True:
            try:
                with open(self.events) as f:
                    lines = [e for e in map(json.loads, f)
                             if e["kind"] == "new_device" and
                             needle in (e["detail"] or "")]
            except FileNotFoundError:
                lines = []
            if lines or time.monotonic() > end:
                return lines
            time.sleep(0.3)

    def dhcp_exchange(self, dev, hostname):
        bcast = "10.77.0.255"
        req = (opt(53, b"\x03") + opt(50, bytes([10, 77, 0, 60])) +
               opt(12, hostname))
        dev.run([sys.executable, "-c", DHCP, "1", dev.mac, "0.0.0.0",
                 bcast, "68", "67", req.hex()])
        ack = opt(53, b"\x05") + opt(54, bytes([10, 77, 0, 1]))
        self.srv.run([sys.executable, "-c", DHCP, "2", dev.mac, dev.ip,
                      bcast, "67", "68", ack.hex()])

    def test_1_dhcp_hostname(self):
        t0 = time.monotonic()
        dev = self.lab.host("printer", "10.77.0.60/24", False,
                            mac="02:00:00:00:77:60")
        self.dhcp_exchange(dev, b"printer-3f")
        dev.run([sys.executable, "-c",
                 "import socket;s=socket.socket(2,2);"
                 "s.sendto(b'hello',('10.77.0.1',9))"])
        self.wait_metric(r'^pilotlight_host_name_info\{address="10\.77\.0'
                         r'\.60",name="printer-3f",source="dhcp"\} 1$')
        ev = self.event_lines(" 10.77.0.60")
        self.assertTrue(ev, "no new_device event for 10.77.0.60")
        self.assertEqual(ev[0]["kind"], "new_device")
        self.assertEqual(ev[0]["reason"], "new device printer-3f")
        self.assertEqual(ev[0]["detail"],
                         "02:00:00:00:77:60 10.77.0.60 printer-3f")
        self.pl.wait_view(lambda v: lcd(v, 3).startswith("new printer-3f"),
                          timeout=5, since=t0)
        # the printer sends the most (to the broadcast address, a pure
        # destination): the top talker row names it
        dev.run([sys.executable, "-c",
                 "import socket,time\n"
                 "s=socket.socket(2,2)\n"
                 "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n"
                 "for i in range(400):\n"
                 " s.sendto(b'x'*1000,('10.77.0.255',9))\n"
                 " time.sleep(0.002)\n"])
        self.pl.wait_view(lambda v: lcd(v, 2).strip() == "top printer-3f",
                          timeout=5)

    def test_2_mdns_announcement(self):
        t0 = time.monotonic()
        dev = self.lab.host("nas", "10.77.0.61/24", False,
                            mac="02:00:00:00:77:61")
        dev.run([sys.executable, "-c", MDNS, "nas-7", dev.ip])
        self.wait_metric(r'^pilotlight_host_name_info\{address="10\.77\.0'
                         r'\.61",name="nas-7",source="mdns"\} 1$')
        ev = self.event_lines(" 10.77.0.61")
        self.assertTrue(ev, "no new_device event for 10.77.0.61")
        self.assertEqual(ev[0]["detail"], "02:00:00:00:77:61 10.77.0.61 nas-7")
        self.pl.wait_view(lambda v: lcd(v, 3).startswith("new nas-7"),
                          timeout=5, since=t0)

    def test_3_hostile_name_and_promtool(self):
        dev = self.lab.host("evil", "10.77.0.63/24", False,
                            mac="02:00:00:00:77:63")
        self.dhcp_exchange(dev, b'ev"il\\\n\x1b[2J-' + b"x" * 80)
        want = "ev_il____2J-" + "x" * 51      # 63 characters
        text = self.wait_metric(r'^pilotlight_host_name_info\{address="10'
                                r'\.77\.0\.63",name="%s",source="dhcp"\} 1$'
                                % want)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(r.stdout + r.stderr, "")

    def test_4_reverse_dns(self):
        dev = self.lab.host("laptop", "10.77.0.62/24", False,
                            mac="02:00:00:00:77:62")
        dev.run([sys.executable, "-c",
                 "import socket;s=socket.socket(2,2);"
                 "s.sendto(b'hello',('10.77.0.1',9))"])
        self.wait_metric(r'^pilotlight_host_name_info\{address="10\.77\.0'
                         r'\.62",name="laptop-9\.lab",source="rdns"\} 1$',
                         timeout=15)
        self.wait_metric(r'^pilotlight_host_names_rdns_lookups_total'
                         r'\{result="name"\} [1-9]')

    def test_5_reload_keeps_names(self):
        # reverse DNS off by SIGHUP: its channel goes, the names stay
        with open(self.pl.cfg) as f:
            text = f.read()
        with open(self.pl.cfg, "w") as f:
            f.write(text.replace("reverse_dns = true;",
                                 "reverse_dns = false;"))
        self.pl.sighup()
        end = time.monotonic() + 10
        while "rdns_lookups_total" in self.metrics():
            self.assertLess(time.monotonic(), end, "reload not applied")
            time.sleep(0.3)
        self.wait_metric(r'^pilotlight_host_name_info\{address="10\.77\.0'
                         r'\.60",name="printer-3f",source="dhcp"\} 1$')
        self.wait_metric(r'^pilotlight_host_name_info\{address="10\.77\.0'
                         r'\.62",name="laptop-9\.lab",source="rdns"\} 1$')

    def test_9_clean_shutdown(self):
        code, _ = self.pl.sigterm()
        self.assertEqual(code, 0, self.pl.stderr_text()[-3000:])


if __name__ == "__main__":
    test_main()
