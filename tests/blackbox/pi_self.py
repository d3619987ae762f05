"""Black-box test of the implicit host "pi": the board watching itself.

The real binary runs with PILOTLIGHT_SYSROOT pointing at a fake /sys and
/proc (the variable exists for tests, README "The Pi itself"), and
daemon.state_dir on a 1 MiB tmpfs:

  - SoC at 85 C (thermal_zone0/temp 85000): the LED showing host:pi is
    red/CRITICAL on the JSON panel, the LCD's host page has the row
    "pi ... CRIT", pilotlight_check_state of
    pi/temperature is 2 on /metrics, and promtool accepts the page;
    back at 45 C the LED turns green again;
  - firmware flags 0x50005 (undervoltage now): pi/throttled CRITICAL with
    the reason "undervoltage" on the status page;
  - state_dir's file system filled to ~97%: pi/disk_state CRITICAL,
    pi/disk_root (the fake root, not full) OK;
  - a board without the firmware's flags or a thermal zone: no
    pi/throttled or pi/temperature at all (silent, not UNKNOWN);
  - pi.enabled = false: no host pi; a configured host "pi" is refused
    with FILE:LINE.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled"
THERMAL = "sys/class/thermal/thermal_zone0/temp"
MEMINFO = """\
MemTotal:         948304 kB
MemFree:          402112 kB
MemAvailable:     700000 kB
Buffers:           40112 kB
"""

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
daemon = {{ state_dir = "{state}"; }};
hosts = ();
pi = {{ interval = "1s"; }};
indicators = {{
	leds = ( {{ name = "pi"; shows = "host:pi"; red = 17; green = 27; }} );
	lcd = {{ bus = 1; address = 0x27; cols = 20; rows = 4;
		pages = ["hosts"]; }};
}};
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; }};
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def put(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def sample(text, name, check):
    """The value of name{check="check",...} in a /metrics page, or None."""
    prefix = '%s{check="%s",' % (name, check)
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


def free_pct(path):
    st = os.statvfs(path)
    return 100.0 * st.f_bavail / st.f_blocks


class PiBase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-pi-")
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        os.makedirs(self.state)
        put(self.root, "proc/meminfo", MEMINFO)
        self.mounted = False
        self.pl = None

    def tearDown(self):
        if self.pl:
            self.pl.close()
        if self.mounted:
            subprocess.run(["umount", self.state], check=False)
        shutil.rmtree(self.dir)

    def start(self, cfg_text=None):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.cfg = os.path.join(self.dir, "pi.cfg")
        with open(self.cfg, "w") as f:
            f.write(cfg_text or CONFIG.format(state=self.state,
                                              port=self.port))
        env = dict(os.environ, PILOTLIGHT_SYSROOT=self.root)
        self.pl = PilotlightProc(BINARY, self.cfg, env=env)

    def wait_metric(self, check, value, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            try:
                text = get(self.base + "/metrics")
            except OSError:
                text = ""
            got = sample(text, "pilotlight_check_state", check)
            if got == value:
                return text
            if time.monotonic() > deadline:
                self.fail("%s: state %s, wanted %s\n%s" % (
                    check, got, value, self.pl.stderr_text()[-2000:]))
            time.sleep(0.2)


class PiOnABoard(PiBase):
    def test_temperature_throttled_and_full_state_dir(self):
        put(self.root, THERMAL, "85000\n")
        put(self.root, THROTTLED, "50005\n")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m",
                        "pl-pi-test", self.state], check=True)
        self.mounted = True
        # Fill state_dir's file system to about 97 %.
        with open(os.path.join(self.state, "fill"), "wb") as f:
            while free_pct(self.state) > 3.5:
                f.write(b"x" * 4096)
                f.flush()
        self.assertGreater(free_pct(self.state), 0.5)
        self.start()

        v, _ = self.pl.wait_view(lambda v: led(v, "pi")["state"] ==
                                 "CRITICAL", 15)
        self.assertEqual(led(v, "pi")["color"], "red")
        # the LCD's host page: the host pi, CRITICAL, with a reason
        v, _ = self.pl.wait_view(lambda v: any(
            row.startswith("pi ") and row.rstrip().endswith("CRIT")
            for row in v["lcd"]), 15)
        text = self.wait_metric("pi/temperature", 2)
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/throttled"), 2)
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/disk_state"), 2)
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/disk_root"), 0)
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/memory"), 0)
        self.assertIn('host="pi",type="system"', text)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        page = get(self.base + "/")
        self.assertIn("undervoltage (0x50005)", page)
        self.assertIn("85.0 C (&gt;= 80 C)", page)

        # Cool, powered and with room again: green.
        put(self.root, THERMAL, "45000\n")
        put(self.root, THROTTLED, "0\n")
        os.unlink(os.path.join(self.state, "fill"))
        t0 = time.monotonic()
        v, _ = self.pl.wait_view(lambda v: led(v, "pi")["state"] == "OK",
                                 20, since=t0)
        self.assertEqual(led(v, "pi")["color"], "green")
        text = self.wait_metric("pi/temperature", 0)
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/disk_state"), 0)

    def test_low_memory_warns(self):
        put(self.root, "proc/meminfo", MEMINFO.replace(
            "700000", "70000"))   # 7.4 % available
        self.start()
        self.wait_metric("pi/memory", 1)
        v, _ = self.pl.wait_view(lambda v: led(v, "pi")["state"] ==
                                 "WARNING", 15)
        self.assertEqual(led(v, "pi")["color"], "yellow")


class PiElsewhere(PiBase):
    def test_no_firmware_flags_is_silent(self):
        self.start()
        text = self.wait_metric("pi/memory", 0)
        self.assertIsNone(sample(text, "pilotlight_check_state",
                                 "pi/throttled"))
        self.assertIsNone(sample(text, "pilotlight_check_state",
                                 "pi/temperature"))
        self.assertEqual(sample(text, "pilotlight_check_state",
                                "pi/storage_errors"), 0)
        v, _ = self.pl.wait_view(lambda v: led(v, "pi")["state"] == "OK",
                                 15)

    def test_disabled_and_clash(self):
        port = free_port()
        off = CONFIG.format(state=self.state, port=port).replace(
            'pi = { interval = "1s"; };', "pi = { enabled = false; };")
        self.cfg = os.path.join(self.dir, "pi.cfg")
        with open(self.cfg, "w") as f:
            f.write(off)
        r = subprocess.run([BINARY, "-t", "-c", self.cfg],
                           capture_output=True, text=True, timeout=20)
        # the LED names host:pi, which is now off
        self.assertEqual(r.returncode, 1)
        self.assertIn("pi.cfg:6:", r.stderr)
        clash = CONFIG.format(state=self.state, port=port).replace(
            "hosts = ();", 'hosts = ( { name = "pi"; address = "10.0.0.1";'
            ' checks = ( { type = "ping"; } ); } );')
        with open(self.cfg, "w") as f:
            f.write(clash)
        r = subprocess.run([BINARY, "-t", "-c", self.cfg],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"pi\.cfg:3: .*host named 'pi' clashes")
        bad = CONFIG.format(state=self.state, port=port).replace(
            'pi = { interval = "1s"; };',
            'pi = { temperature = { warning = 90.0; critical = 80.0; }; };')
        with open(self.cfg, "w") as f:
            f.write(bad)
        r = subprocess.run([BINARY, "-t", "-c", self.cfg],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"pi\.cfg:4: temperature warning")


if __name__ == "__main__":
    test_main()
