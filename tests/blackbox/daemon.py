"""Black-box test of the daemon's lifecycle, driving the real binary.

  - `-t` on good, broken and missing configs: message and exit status;
  - start with --panel=json: the configured LEDs and LCD appear;
  - SIGHUP with a broken file: keeps running on the old config, the LCD
    shows FILE:LINE of the error;
  - SIGHUP after fixing it: the new config is in effect;
  - SIGUSR1: the current state goes to the log;
  - SIGTERM: exit 0 within 1 s, final view all off with "stopped";
  - libcurl and libmicrohttpd on demand: not mapped for a config without
    http checks (metrics), mapped once a reload adds one (enables them,
    and /healthz answers); with the library unreadable (/dev/null bound
    over it in a private mount namespace) `-t` and a reload name FILE:LINE
    of the http check (metrics.enabled), and the daemon keeps its config.
"""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, lcd_text, test_main  # noqa: E402

BINARY = "build/pilotlight"

GOOD = """\
logging = { level = "info"; target = "stderr"; };
hosts = (
	{ name = "gw"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = ["/bin/true"]; } ); }
);
indicators = {
	leds = (
		{ name = "status"; shows = "all"; red = 17; green = 27; },
		{ name = "alive"; shows = "heartbeat"; green = 5; }
	);
	lcd = { bus = 1; address = 0x27; cols = 16; rows = 2; };
};
"""

# Line 4 has a typo'd key; line 5 a pin used twice.
BROKEN = """\
logging = { level = "info"; target = "stderr"; };
hosts = ();
indicators = {
	leds = ( { name = "status"; shows = "all"; gren = 27; },
		 { name = "x"; shows = "all"; red = 5; green = 5; } );
};
"""

FIXED = GOOD.replace(
    '{ name = "alive"; shows = "heartbeat"; green = 5; }',
    '{ name = "alive"; shows = "heartbeat"; green = 5; },\n'
    '\t\t{ name = "extra"; shows = "host:gw"; red = 6; }')


# GOOD plus an http check (line 5) at a port nothing listens on.
HTTP = GOOD.replace(
    '{ type = "exec"; command = ["/bin/true"]; } ); }',
    '{ type = "exec"; command = ["/bin/true"]; },\n'
    '\t\t     { type = "http"; url = "http://127.0.0.1:1/"; } ); }')
HTTP_LINE = 5


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=20)


def put_atomic(path, text):
    """Replace path atomically, as an editor or config manager would."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class ConfigCheck(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-daemon-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_good_config_is_ok(self):
        r = run("-t", "-c", self.write("good.cfg", GOOD))
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "configuration OK\n")

    def test_every_error_with_file_and_line(self):
        path = self.write("broken.cfg", BROKEN)
        r = run("-t", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr.splitlines(), [
            path + ":4: unknown key 'gren' in an LED",
            path + ":4: led 'status' has no pin "
                   "(set red, green, yellow, blue or white)",
            path + ":5: pin 5 already used by led 'x' (line 5)",
        ])

    def test_missing_file(self):
        path = os.path.join(self.dir, "nope.cfg")
        r = run("-t", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr,
                         path + ": cannot open: No such file or directory\n")

    def test_start_with_broken_config_exits_1(self):
        path = self.write("broken.cfg", BROKEN)
        r = run("-f", "--panel=json", "-c", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn(path + ":4: ", r.stderr)

    def test_usage(self):
        self.assertEqual(run("-h").returncode, 0)
        self.assertIn("--panel=term|json|hw", run("-h").stdout)
        v = run("-V")
        self.assertEqual(v.returncode, 0)
        self.assertRegex(v.stdout, r"^pilotlight \d+\.\d+\.\d+\n$")
        bad = run("--bogus")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("usage:", bad.stderr)
        # A usage error, before any configuration is read
        # (first_run.py has the message and -t).
        self.assertEqual(run("--panel=nope", "-c",
                             self.write("g.cfg", GOOD)).returncode, 2)


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-daemon-")
        self.path = os.path.join(self.dir, "site.cfg")
        self.put(GOOD)
        self.pl = PilotlightProc(BINARY, self.path)

    def has_led(self, view, name):
        try:
            led(view, name)
            return True
        except KeyError:
            return False

    def tearDown(self):
        self.pl.close()
        shutil.rmtree(self.dir)

    def put(self, text):
        put_atomic(self.path, text)

    def test_reload_stop(self):
        pl = self.pl
        first, _ = pl.wait_view(lambda v: "leds" in v, 5)
        self.assertEqual([x["name"] for x in first["leds"]],
                         ["status", "alive"])
        self.assertEqual(len(first["lcd"]), 2)
        self.assertTrue(all(len(row) == 16 for row in first["lcd"]))
        self.assertEqual(led(first, "alive")["pattern"], "heartbeat")

        # A broken edit: still running, old LEDs, error on the LCD.
        self.put(BROKEN)
        t0 = time.monotonic()
        pl.sighup()
        v, _ = pl.wait_view(lambda v: "site.cfg:4" in lcd_text(v), 5,
                            since=t0)
        self.assertIsNone(pl.proc.poll())
        self.assertEqual([x["name"] for x in v["leds"]], ["status", "alive"])
        # 16 columns: "cfg: site.cfg:4" on the last row.
        self.assertEqual(v["lcd"][1].rstrip(), "cfg: site.cfg:4")
        self.assertRegex(pl.stderr_text(),
                         re.escape(self.path) + r":4: .*gren")
        self.assertIn("keeping the running configuration", pl.stderr_text())

        # Fixed: the new LED appears, the error goes.
        self.put(FIXED)
        t0 = time.monotonic()
        pl.sighup()
        v, _ = pl.wait_view(lambda v: self.has_led(v, "extra"), 5, since=t0)
        self.assertNotIn("site.cfg:4", lcd_text(v))
        self.assertIn("configuration reloaded", pl.stderr_text())

        # SIGUSR1: the state in the log.
        pl.signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while "state: site" not in pl.stderr_text():
            self.assertLess(time.monotonic(), deadline, pl.stderr_text())
            time.sleep(0.05)
        self.assertIn("led extra:", pl.stderr_text())

        # SIGTERM: orderly stop, everything off.  Within 1 s is a figure
        # (tests/bench/detection); 5 s is what no loaded machine misses.
        rc, took = pl.sigterm()
        self.assertEqual(rc, 0, pl.stderr_text())
        self.assertLess(took, 5.0)
        final = pl.last_view()
        self.assertTrue(final.get("stopped"))
        self.assertTrue(all(x["pattern"] == "off" for x in final["leds"]))
        self.assertEqual(final["buzzer"], "off")
        self.assertIn("stopped", lcd_text(final))


def library_path(soname):
    """The file the dynamic loader finds for soname, or None."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith(soname + " ") and "=>" in line:
            return line.split("=>")[1].strip()
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OnDemandLibrary:
    """A library that only the configs needing it load (the subclasses
    say which): GOOD does not map it, a reload to needs() does; with the
    library unreadable -t and a reload name the FILE:LINE of the setting
    that needs it, and the daemon keeps its config without mapping it."""

    SONAME = None   # "libcurl.so.4"
    PACKAGE = None  # "libcurl4", named in the error
    WHAT = None     # "http checks need libcurl": how the error starts
    MAPS = ()       # names in /proc/PID/maps once it is loaded

    def needs(self):
        """A config that needs the library, and the line to blame."""
        raise NotImplementedError

    def setUp(self):
        self.lib = library_path(self.SONAME)
        if os.geteuid() != 0 or not self.lib:
            self.skipTest("needs root and " + self.SONAME)
        self.dir = tempfile.mkdtemp(prefix="pl-dl-")
        self.path = os.path.join(self.dir, "site.cfg")
        # pilotlight with /dev/null over the library, in a mount
        # namespace of its own: the host's library is never touched.
        self.hidden = os.path.join(self.dir, "pilotlight-hidden")
        with open(self.hidden, "w") as f:
            f.write('#!/bin/sh\nexec unshare -m sh -c \'mount --bind '
                    '/dev/null "$0" && exec "$@"\' %s %s "$@"\n'
                    % (self.lib, os.path.abspath(BINARY)))
        os.chmod(self.hidden, stat.S_IRWXU)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def put(self, text):
        put_atomic(self.path, text)

    def mapped(self, pid):
        with open("/proc/%d/maps" % pid) as f:
            maps = f.read()
        return [name for name in self.MAPS if name in maps]

    def test_check_names_the_setting(self):
        text, line = self.needs()
        self.put(text)
        r = subprocess.run([self.hidden, "-t", "-c", self.path],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"^%s:%d: %s: .*%s: .*\(install %s\)\n$"
                         % (re.escape(self.path), line, self.WHAT,
                            re.escape(self.SONAME), self.PACKAGE))
        self.put(GOOD)
        r = subprocess.run([self.hidden, "-t", "-c", self.path],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.stdout, "configuration OK\n", r.stderr)

    def test_loaded_when_a_reload_needs_it(self):
        self.put(GOOD)
        with PilotlightProc(BINARY, self.path) as pl:
            pl.wait_view(lambda v: "leds" in v, 5)
            self.assertEqual(self.mapped(pl.pid), [])
            self.put(self.needs()[0])
            pl.sighup()
            deadline = time.monotonic() + 5
            while "configuration reloaded" not in pl.stderr_text():
                self.assertLess(time.monotonic(), deadline,
                                pl.stderr_text())
                time.sleep(0.05)
            self.assertEqual(self.mapped(pl.pid), list(self.MAPS))
            self.works()

    def works(self):
        """After the reload: what the library is for works."""

    def test_reload_without_it_keeps_the_config(self):
        text, line = self.needs()
        self.put(GOOD)
        with PilotlightProc(self.hidden, self.path) as pl:
            pl.wait_view(lambda v: "leds" in v, 5)
            self.put(text)
            t0 = time.monotonic()
            pl.sighup()
            pl.wait_view(lambda v: "site.cfg:%d" % line in lcd_text(v), 5,
                         since=t0)
            self.assertTrue(pl.alive())
            self.assertIn("reload failed: %s:%d: %s"
                          % (self.path, line, self.WHAT), pl.stderr_text())
            self.assertIn("keeping the running configuration",
                          pl.stderr_text())
            self.assertEqual(self.mapped(pl.pid), [])


class OnDemandLibcurl(OnDemandLibrary, unittest.TestCase):
    SONAME, PACKAGE = "libcurl.so.4", "libcurl4"
    WHAT = "http checks need libcurl"
    MAPS = ("libcurl",)

    def needs(self):
        return HTTP, HTTP_LINE


class OnDemandLibmicrohttpd(OnDemandLibrary, unittest.TestCase):
    SONAME, PACKAGE = "libmicrohttpd.so.12", "libmicrohttpd12"
    WHAT = "the metrics endpoint needs libmicrohttpd"
    MAPS = ("libmicrohttpd", "libgnutls")

    def needs(self):
        if not hasattr(self, "port"):
            self.port = free_port()
        return (GOOD + 'metrics = { enabled = true; '
                'listen = "127.0.0.1:%d"; };\n' % self.port,
                GOOD.count("\n") + 1)

    def works(self):
        url = "http://127.0.0.1:%d/healthz" % self.port
        with urllib.request.urlopen(url, timeout=5) as r:
            self.assertEqual(r.read(), b"ok\n")


if __name__ == "__main__":
    test_main()
