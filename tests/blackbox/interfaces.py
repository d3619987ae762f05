#!/usr/bin/env python3
"""Black-box test of every interface and the self metrics, in the netlab lab.

    python3 tests/blackbox/interfaces.py --binary build/pilotlight

The real binary runs in the lab's monitor namespace (management eth0,
capture cap0) with /metrics on the namespace's loopback, a 20x4 LCD that
shows only the system page, and one LED per interface alarm.  Asserted as
a person would see it:

  - /metrics lists eth0 (management) and cap0, not lo; its receive
    counters rise by at least the pings sent to it; the MTU is what
    `ip link set mtu` set; pilotlight_interface_up goes 0 when the switch
    side of eth0 goes down and 1 when it comes back;
  - the process_* families and pilotlight_build_info are there with sane
    values (RSS > 1 MiB, >= 3 open fds, a start time within the last
    minutes, CPU seconds that never go down); promtool is clean;
  - "more than 300 rx packets on eth0 in 5 s" turns its LED yellow during
    a UDP burst to the monitor, and back; an alarm on an interface that
    does not exist is UNKNOWN and the status page says why;
  - the LCD's system page lists eth0 and cap0 with link and rates;
  - after SIGHUP with interfaces { loopback = true; exclude = ["cap*"]; }
    lo is listed and cap0 is not.

Needs root, iproute2, curl and what tests/lib/netlab.py needs.
"""

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
PORT = 9775

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
daemon = {{ state_dir = "{state}"; }};
hosts = ();
{interfaces}
capture = {{
	interfaces = ["{cap}"];
	alarms = (
		{{ name = "mgmt-rx"; rate = "pps"; count = 300; within = "5s";
		  interface = "eth0"; direction = "rx"; level = "warning"; }},
		{{ name = "gone"; rate = "errors"; count = 1; within = "10s";
		  interface = "eth9"; direction = "tx"; }}
	);
}};
indicators = {{
	leds = (
		{{ name = "mgmt"; shows = "check:capture/mgmt-rx"; red = 5;
		  green = 6; yellow = 13; }},
		{{ name = "gone"; shows = "check:capture/gone"; red = 19;
		  green = 20; yellow = 21; }}
	);
	lcd = {{ bus = 1; address = 0x27; cols = 20; rows = 4;
		pages = ["system"]; page_interval = "1s"; }};
}};
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; }};
"""


def state(view, name):
    return netlab.led(view, name)["state"]


def parse(text):
    """{(name, interface-or-None): value} of the samples in text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-z_]+)(?:\{interface="([^"]*)"\})? (\S+)', line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


class Interfaces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = netlab.Lab()
        lab = cls.lab.__enter__()
        try:
            cls.mon = lab.monitor(capture=True)
            cls.a = lab.host("a", "10.77.0.10/24")
            cls.state_dir = os.path.join(lab.dir, "state")
            os.makedirs(cls.state_dir)
            cls.pl = lab.run_pilotlight(BINARY, cls.config(""))
            cls.pl.wait_view(lambda v: state(v, "mgmt") == "OK", timeout=20)
            cls.lab.wait_for(cls.try_scrape, 10, interval=0.2,
                             what="/metrics")
        except BaseException:
            cls.lab.__exit__(*sys.exc_info())
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pl.alive():
            cls.pl.sigterm()
        cls.lab.__exit__(None, None, None)

    @classmethod
    def config(cls, interfaces):
        return CONFIG.format(state=cls.state_dir, cap=netlab.CAPTURE_IF,
                             port=PORT, interfaces=interfaces)

    @classmethod
    def get(cls, path):
        r = cls.mon.run(["curl", "-sf", "--max-time", "5",
                         "http://127.0.0.1:%d%s" % (PORT, path)],
                        check=False)
        return r.stdout if r.returncode == 0 else None

    @classmethod
    def try_scrape(cls):
        return cls.get("/metrics")

    def scrape(self):
        text = self.lab.wait_for(self.try_scrape, 10, interval=0.2,
                                 what="/metrics")
        return text, parse(text)

    def test_1_every_interface_and_traffic(self):
        text, m = self.scrape()
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for iface in ("eth0", netlab.CAPTURE_IF):
            for fam in ("receive_bytes_total", "transmit_bytes_total",
                        "receive_packets_total", "transmit_packets_total",
                        "receive_errors_total", "transmit_errors_total",
                        "receive_drops_total", "transmit_drops_total",
                        "receive_overruns_total", "transmit_overruns_total",
                        "mtu_bytes", "up"):
                self.assertIn(("pilotlight_interface_" + fam, iface), m)
            self.assertEqual(m[("pilotlight_interface_up", iface)], 1)
        self.assertNotIn(("pilotlight_interface_up", "lo"), m)
        # the speed the kernel reports (veth: 10000 Mb/s), in bytes/s
        mbps = int(self.mon.run(["cat", "/sys/class/net/eth0/speed"],
                                check=False).stdout.strip() or -1)
        if mbps > 0:
            self.assertEqual(
                m[("pilotlight_interface_speed_bytes", "eth0")],
                mbps * 125000)
        else:
            self.assertNotIn(("pilotlight_interface_speed_bytes", "eth0"),
                             m)
        rx0 = m[("pilotlight_interface_receive_bytes_total", "eth0")]
        pk0 = m[("pilotlight_interface_receive_packets_total", "eth0")]
        res = self.a.ping(self.mon.ip, count=20, interval=0.05, size=1000)
        self.assertEqual(res.received, 20)
        _, m = self.scrape()
        self.assertGreaterEqual(
            m[("pilotlight_interface_receive_bytes_total", "eth0")] - rx0,
            20 * 1000)
        self.assertGreaterEqual(
            m[("pilotlight_interface_receive_packets_total", "eth0")] - pk0,
            20)

    def test_2_mtu(self):
        self.mon.run(["ip", "link", "set", "eth0", "mtu", "1400"])
        try:
            _, m = self.scrape()
            self.assertEqual(m[("pilotlight_interface_mtu_bytes", "eth0")],
                             1400)
        finally:
            self.mon.run(["ip", "link", "set", "eth0", "mtu", "1500"])
        _, m = self.scrape()
        self.assertEqual(m[("pilotlight_interface_mtu_bytes", "eth0")], 1500)

    def test_3_link_down_and_back(self):
        self.mon.link(False)
        try:
            m = self.lab.wait_for(
                lambda: (lambda p: p if p.get(
                    ("pilotlight_interface_up", "eth0")) == 0 else None)(
                    self.scrape()[1]), 10, interval=0.2, what="eth0 down")
            self.assertEqual(m[("pilotlight_interface_up",
                                netlab.CAPTURE_IF)], 1)
        finally:
            self.mon.link(True)
        self.lab.wait_for(
            lambda: self.scrape()[1].get(
                ("pilotlight_interface_up", "eth0")) == 1,
            10, interval=0.2, what="eth0 up again")

    def test_4_self_metrics(self):
        _, m1 = self.scrape()
        self.assertGreater(m1[("process_resident_memory_bytes", None)],
                           1 << 20)
        self.assertGreaterEqual(m1[("process_open_fds", None)], 3)
        self.assertGreaterEqual(m1[("process_max_fds", None)],
                                m1[("process_open_fds", None)])
        start = m1[("process_start_time_seconds", None)]
        self.assertLessEqual(start, time.time() + 1)
        self.assertGreater(start, time.time() - 600)
        self.assertGreaterEqual(m1[("process_cpu_seconds_total", None)], 0)
        self.lab.traffic_burst(self.a, self.mon, pps=500, seconds=1)
        _, m2 = self.scrape()
        self.assertGreaterEqual(m2[("process_cpu_seconds_total", None)],
                                m1[("process_cpu_seconds_total", None)])
        self.assertEqual(m2[("process_start_time_seconds", None)], start)
        text = self.get("/metrics")
        self.assertIn("# TYPE process_cpu_seconds_total counter", text)
        self.assertIn("# TYPE process_resident_memory_bytes gauge", text)
        self.assertRegex(text, r'pilotlight_build_info\{version="[^"]+"\} 1')

    def test_5_interface_alarm(self):
        t0 = time.monotonic()
        burst = self.lab.traffic_burst(self.a, self.mon, pps=400, seconds=4,
                                       background=True)
        view, t = self.pl.wait_view(lambda v: state(v, "mgmt") == "WARNING",
                                    timeout=10, since=t0)
        self.assertEqual(netlab.led(view, "mgmt")["color"], "yellow")
        self.assertGreater(burst.result(30)["sent"], 1000)
        self.pl.wait_view(lambda v: state(v, "mgmt") == "OK", timeout=15,
                          since=t)

    def test_6_vanished_interface_is_unknown(self):
        view, _ = self.pl.wait_view(lambda v: state(v, "gone") == "UNKNOWN",
                                    timeout=5)
        page = self.lab.wait_for(lambda: self.get("/"), 5, what="/")
        self.assertIn("interface eth9 not found", page)

    def test_7_lcd_system_page(self):
        # every other visit lists the interfaces; rates once read twice
        def ifaces(v):
            rows = [r.rstrip() for r in v["lcd"]]
            return {r.split()[0]: r for r in rows if r}
        view, _ = self.pl.wait_view(
            lambda v: re.match(r"eth0 up +\S+/\S+$", ifaces(v)["eth0"]),
            timeout=30)
        rows = ifaces(view)
        self.assertRegex(rows[netlab.CAPTURE_IF],
                         r"^%s up +\S+/\S+$" % netlab.CAPTURE_IF)
        self.assertNotIn("lo", rows)

    def test_8_reload_loopback_and_exclude(self):
        with open(self.pl.cfg, "w") as f:
            f.write(self.config('interfaces = { loopback = true; '
                                'exclude = ["cap*"]; };'))
        self.pl.sighup()
        m = self.lab.wait_for(
            lambda: (lambda p: p if ("pilotlight_interface_up", "lo") in p
                     else None)(self.scrape()[1]), 10, interval=0.2,
            what="lo listed")
        self.assertEqual(m[("pilotlight_interface_up", "lo")], 1)
        self.assertNotIn(("pilotlight_interface_up", netlab.CAPTURE_IF), m)
        self.assertIn(("pilotlight_interface_up", "eth0"), m)


if __name__ == "__main__":
    test_main()
