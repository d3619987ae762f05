#!/usr/bin/env python3
"""Black-box test of live capture on a mirror port, in the netlab lab.

    python3 tests/blackbox/traffic_live.py --binary build/pilotlight

The real binary runs in the lab's monitor namespace capturing on cap0,
which receives a copy of every frame entering the lab switch, and shows a
20x4 LCD with only the traffic page plus one LED per capture check.  What
a person would see is asserted:

  - a UDP burst of known rate shows up as that many pps on the LCD, and
    the per-host, per-service alarm turns its LED yellow meanwhile;
  - the host that sent the most is the LCD's top talker;
  - a broadcast storm turns the "storm" LED red, and back;
  - a device that joins is named on the LCD as the newest device, and is
    in the known-devices file after shutdown;
  - silencing the mirror turns the "silence" LED red within its window
    + 2 s, restoring it turns it back;
  - taking cap0 down turns the "link" LED red with the reason on the LCD;
    bringing it up recovers the capture.

Needs root, iproute2 and what tests/lib/netlab.py needs.
"""

import os
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import netlab  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
SILENCE_WINDOW_S = 10
STORM_WINDOW_S = 3

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
daemon = {{ state_dir = "{state}"; }};
hosts = ();
capture = {{
	interfaces = ["{cap}"];
	local_networks = ["10.77.0.0/24", "fd77::/64"];
	alarms = (
		{{ name = "silence"; rate = "pps"; below = 1;
		  window = "{silence}s"; }},
		{{ name = "storm"; rate = "broadcast_pps"; above = 200;
		  window = "{storm}s"; }},
		{{ name = "busy"; rate = "pps"; above = 300; window = "3s";
		  level = "warning"; host = "10.77.0.11"; service = "udp/9"; }}
	);
}};
indicators = {{
	leds = (
		{{ name = "link"; shows = "check:capture/link"; red = 5;
		  green = 6; }},
		{{ name = "silence"; shows = "check:capture/silence"; red = 13;
		  green = 19; }},
		{{ name = "storm"; shows = "check:capture/storm"; red = 20;
		  green = 21; }},
		{{ name = "busy"; shows = "check:capture/busy"; red = 22;
		  green = 23; yellow = 24; }}
	);
	lcd = {{ bus = 1; address = 0x27; cols = 20; rows = 4;
		pages = ["traffic"]; }};
}};
"""

# Broadcast UDP at a steady rate from inside a lab host.
BROADCAST = """\
import socket, sys, time
pps, secs, dst = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
start = time.monotonic(); k = 0
while time.monotonic() < start + secs:
    s.sendto(b"storm" * 10, (dst, 9)); k += 1
    wait = start + k / pps - time.monotonic()
    if wait > 0:
        time.sleep(wait)
"""


def state(view, name):
    return netlab.led(view, name)["state"]


def lcd(view, row):
    return view["lcd"][row]


def si(text):
    """'1.02k' -> 1020.0"""
    m = re.fullmatch(r"([0-9.]+)([kMG]?)", text)
    if not m:
        return None
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6,
                                "G": 1e9}[m.group(2)]


def lcd_pps(view):
    m = re.search(r"\s([0-9.]+[kMG]?)pps", " " + lcd(view, 0))
    return si(m.group(1)) if m else None


class TrafficLive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = netlab.Lab()
        lab = cls.lab.__enter__()
        try:
            cls.mon = lab.monitor(capture=True)
            cls.a = lab.host("a", "10.77.0.10/24")
            cls.b = lab.host("b", "10.77.0.11/24")
            cls.state_dir = os.path.join(lab.dir, "state")
            os.makedirs(cls.state_dir)
            cls.pl = lab.run_pilotlight(BINARY, CONFIG.format(
                state=cls.state_dir, cap=netlab.CAPTURE_IF,
                silence=SILENCE_WINDOW_S, storm=STORM_WINDOW_S))
            # a steady trickle (10 frames/s), so "silence" is OK
            cls.pinger = cls.a.spawn(["ping", "-q", "-i", "0.2", cls.b.ip],
                                     name="trickle")
            cls.pl.wait_view(lambda v: state(v, "link") == "OK" and
                             state(v, "silence") == "OK" and
                             state(v, "storm") == "OK", timeout=20)
        except BaseException:
            cls.lab.__exit__(*sys.exc_info())
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pl.alive():
            cls.pl.sigterm()
        cls.lab.__exit__(None, None, None)

    def test_1_burst_rate_and_host_alarm(self):
        t0 = time.monotonic()
        burst = self.lab.traffic_burst(self.a, self.b, pps=1000, seconds=8,
                                       background=True)
        view, _ = self.pl.wait_view(
            lambda v: 850 <= lcd_pps(v) <= 1250, timeout=8, since=t0)
        self.assertRegex(lcd(view, 0), r"^[0-9.]+[kM]b/s ")
        view, t = self.pl.wait_view(lambda v: state(v, "busy") == "WARNING",
                                    timeout=8, since=t0)
        self.assertEqual(netlab.led(view, "busy")["color"], "yellow")
        res = burst.result(30)
        self.assertGreater(res["sent"], 7000)
        self.pl.wait_view(lambda v: state(v, "busy") == "OK", timeout=8,
                          since=time.monotonic())

    def test_2_top_talker(self):
        # a sends to the monitor too, so it has the most bytes of all
        self.lab.traffic_burst(self.a, self.mon, pps=500, seconds=2)
        view, _ = self.pl.wait_view(
            lambda v: lcd(v, 2).strip() == "top 10.77.0.10", timeout=5)

    def test_3_broadcast_storm(self):
        t0 = time.monotonic()
        self.b.spawn([sys.executable, "-c", BROADCAST, "500", "8",
                      "10.77.0.255"], name="storm")
        view, t = self.pl.wait_view(lambda v: state(v, "storm") ==
                                    "CRITICAL", timeout=STORM_WINDOW_S + 4,
                                    since=t0)
        self.assertEqual(netlab.led(view, "storm")["color"], "red")
        self.assertEqual(state(view, "silence"), "OK")
        self.pl.wait_view(lambda v: state(v, "storm") == "OK",
                          timeout=8 + STORM_WINDOW_S + 4, since=t)

    def test_4_new_device(self):
        t0 = time.monotonic()
        self.lab.new_device("newbie", "10.77.0.50/24", "02:00:00:00:77:50")
        view, _ = self.pl.wait_view(
            lambda v: lcd(v, 3).startswith("new 10.77.0.50 "), timeout=5,
            since=t0)

    def test_5_silence(self):
        t0 = time.monotonic()
        self.lab.silence_mirror()
        try:
            view, t = self.pl.wait_view(
                lambda v: state(v, "silence") == "CRITICAL",
                timeout=SILENCE_WINDOW_S + 2, since=t0)
            self.assertGreater(t - t0, SILENCE_WINDOW_S - 2)
            self.assertEqual(state(view, "link"), "OK")
        finally:
            self.lab.restore_mirror()
        self.pl.wait_view(lambda v: state(v, "silence") == "OK", timeout=5,
                          since=time.monotonic())

    def test_6_link_down_and_back(self):
        cap = netlab.CAPTURE_IF
        t0 = time.monotonic()
        self.mon.run(["ip", "link", "set", cap, "down"])
        try:
            view, _ = self.pl.wait_view(
                lambda v: state(v, "link") == "CRITICAL" and
                lcd(v, 0).startswith(cap + ": "), timeout=5, since=t0)
        finally:
            self.mon.run(["ip", "link", "set", cap, "up"])
        t1 = time.monotonic()
        # the retry backs off 1, 2, 4 s: back within a few seconds
        self.pl.wait_view(lambda v: state(v, "link") == "OK", timeout=10,
                          since=t1)
        self.pl.wait_view(lambda v: lcd_pps(v) is not None and
                          lcd_pps(v) > 0, timeout=10, since=t1)

    def test_9_shutdown_saves_known_devices(self):
        code, _ = self.pl.sigterm()
        self.assertEqual(code, 0)
        with open(os.path.join(self.state_dir, "known-devices.tsv")) as f:
            text = f.read()
        for mac, ip in ((self.a.mac, self.a.ip), (self.b.mac, self.b.ip),
                        ("02:00:00:00:77:50", "10.77.0.50")):
            self.assertRegex(text, r"(?m)^%s\t%s\t\d+\t\d+$" % (
                re.escape(mac.lower()), re.escape(ip)))


if __name__ == "__main__":
    test_main()
