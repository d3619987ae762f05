"""Black-box test: nothing in a config file can kill, block or hang the
daemon (issue 13, items 4 and 5).

  - `-t` on each hostile config (an @include of a directory, of a FIFO
    nobody writes, of /dev/zero, of a socket; the config itself a FIFO or
    a directory; an include cycle; nesting too deep; a file too large; a
    NUL byte; a 1 MB path; events.file a directory) exits 1 with
    FILE:LINE: message on stderr: never 2, never a hang;
  - starting the daemon on them exits 1 the same way;
  - a running daemon whose config is rewritten to @include a directory,
    then a FIFO, then /dev/zero, then is itself replaced by a FIFO, gets
    SIGHUP after each: it keeps running on the old config (its check keeps
    running: the file the check appends to grows), the LCD's last row
    shows `cfg err FILE:LINE`, and SIGTERM still gives the orderly stop
    and exit 0.

Run: python3 tests/blackbox/hostile_config.py --binary BUILD/pilotlight
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from pilotlight import PilotlightProc, led, lcd_text, test_main  # noqa: E402
from daemon import put_atomic  # noqa: E402

BINARY = "build/pilotlight"

# Generous: a hang is what is tested, not speed.
TIMEOUT = 30

# An exec check that appends a line to RUNS every second: the measure of
# "the old checks keep running".
GOOD = """\
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "gw"; address = "127.0.0.1";
	  checks = ( {{ type = "exec"; interval = "1s"; timeout = "900ms";
		       command = ["/bin/sh", "-c", "echo x >> {runs}"]; }} ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
	lcd = {{ bus = 1; address = 0x27; cols = 20; rows = 4; }};
}};
"""


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          errors="replace", timeout=TIMEOUT)


class Hostile(unittest.TestCase):
    """Each case: a config in a fresh directory, and the one line -t must
    print for it."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-hostile-")
        self.sock = None

    def tearDown(self):
        if self.sock:
            self.sock.close()
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(self.path(name), mode) as f:
            f.write(data)
        return self.path(name)

    def include(self, target, line=2):
        """site.cfg with `@include "target"` on line `line`."""
        return self.write("site.cfg", "hosts = ();\n" + "\n" * (line - 2) +
                          '@include "%s"\n' % target)

    def cases(self):
        """(config path, the exact stderr) for every hostile config."""
        d = self.dir
        os.mkdir(self.path("conf.d"))
        os.mkfifo(self.path("frag.fifo"))
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path("frag.sock"))
        self.write("a.inc", '@include "b.inc"\n')
        self.write("b.inc", '# b\n@include "a.inc"\n')
        for i in range(1, 10):
            self.write("n%d" % i, '@include "n%d"\n' % (i + 1))
        self.write("big", "#" * 79 + "\n" * (1 << 20))
        long_path = "/" + "p" * 1000000
        c = []

        def case(name, text, want):
            c.append((self.write(name, text), want))

        site = self.path("site.cfg")
        c.append((self.include("conf.d", 3),
                  site + ':3: @include "conf.d": is a directory'))
        case("fifo.cfg", 'hosts = ();\n@include "frag.fifo"\n',
             d + '/fifo.cfg:2: @include "frag.fifo": is a FIFO')
        case("zero.cfg", 'hosts = ();\n\n\n@include "/dev/zero"\n',
             d + '/zero.cfg:4: @include "/dev/zero": is a device')
        case("sock.cfg", 'hosts = ();\n@include "frag.sock"\n',
             d + '/sock.cfg:2: @include "frag.sock": is a socket')
        c.append((self.path("frag.fifo"), d + "/frag.fifo: is a FIFO"))
        c.append((self.path("conf.d"), d + "/conf.d: is a directory"))
        case("cycle.cfg", 'hosts = ();\n@include "a.inc"\n',
             d + '/b.inc:2: @include "a.inc": a cycle: ' + d +
             '/a.inc is being read already')
        case("deep.cfg", 'hosts = ();\n@include "n1"\n',
             d + '/n8:1: @include "n9": nested deeper than 8')
        case("big.cfg", 'hosts = ();\n@include "big"\n',
             d + '/big.cfg:2: @include "big": file larger than 1 MiB')
        case("nul.cfg", b'hosts = ();\n# \0\n',
             d + "/nul.cfg:2: a NUL byte in the file")
        case("long.cfg",
             'hosts = ();\ndaemon = { state_dir = "%s"; };\n' % long_path,
             d + "/long.cfg:2: 'state_dir' is longer than 4095 bytes")
        case("events.cfg", 'hosts = ();\nevents = { file = "/etc"; };\n',
             d + "/events.cfg:2: 'file' '/etc' is a directory, "
             "not a regular file")
        return c

    def test_check_config_exits_1(self):
        for cfg, want in self.cases():
            with self.subTest(cfg=os.path.basename(cfg)):
                r = run("-t", "-c", cfg)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertEqual(r.stderr, want + "\n")

    def test_start_exits_1(self):
        for cfg, want in self.cases():
            with self.subTest(cfg=os.path.basename(cfg)):
                r = run("-f", "--panel=json", "-c", cfg)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertEqual(r.stderr, want + "\n")


class Reload(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-hostile-")
        self.cfg = os.path.join(self.dir, "site.cfg")
        self.runs = os.path.join(self.dir, "runs")
        put_atomic(self.cfg, GOOD.format(runs=self.runs))
        self.pl = PilotlightProc(BINARY, self.cfg)

    def tearDown(self):
        self.pl.close()
        shutil.rmtree(self.dir)

    def runs_count(self):
        try:
            with open(self.runs) as f:
                return len(f.readlines())
        except FileNotFoundError:
            return 0

    def wait_runs(self, more_than):
        deadline = time.monotonic() + TIMEOUT
        while self.runs_count() <= more_than:
            self.assertLess(time.monotonic(), deadline,
                            "the check stopped running\n" +
                            self.pl.stderr_text()[-2000:])
            time.sleep(0.1)

    def hostile_reload(self, install, where, message):
        """install() breaks the config; SIGHUP must leave the daemon
        running with `cfg err where` on the LCD and message logged."""
        pl = self.pl
        install()
        t0 = time.monotonic()
        pl.sighup()
        v, _ = pl.wait_view(lambda v: v["lcd"][3].rstrip() ==
                            "cfg err " + where, TIMEOUT, since=t0)
        self.assertTrue(pl.alive())
        self.assertEqual([x["name"] for x in v["leds"]], ["status"])
        self.assertIn("reload failed: " + message, pl.stderr_text())
        self.wait_runs(self.runs_count())

    def test_reload_keeps_running(self):
        pl = self.pl
        v, _ = pl.wait_view(lambda v: led(v, "status")["state"] == "OK",
                            TIMEOUT)
        self.assertEqual(len(v["lcd"]), 4)
        self.wait_runs(0)
        good = GOOD.format(runs=self.runs)
        line = good.count("\n") + 1     # of an @include after good
        os.mkdir(os.path.join(self.dir, "conf.d"))
        os.mkfifo(os.path.join(self.dir, "frag.fifo"))

        for target, what in (("conf.d", "a directory"),
                             ("frag.fifo", "a FIFO"),
                             ("/dev/zero", "a device")):
            text = good + "\n" * (line - good.count("\n") - 1) + \
                '@include "%s"\n' % target
            self.hostile_reload(
                lambda: put_atomic(self.cfg, text), "site.cfg:%d" % line,
                '%s:%d: @include "%s": is %s' % (self.cfg, line, target,
                                                 what))
            line += 1

        def config_is_fifo():
            tmp = os.path.join(self.dir, "site.fifo")
            os.mkfifo(tmp)
            os.rename(tmp, self.cfg)
        self.hostile_reload(config_is_fifo, "site.cfg",
                            self.cfg + ": is a FIFO")
        self.assertIn("keeping the running configuration", pl.stderr_text())

        rc, _ = pl.sigterm(TIMEOUT)
        self.assertEqual(rc, 0, pl.stderr_text())
        final = pl.last_view()
        self.assertTrue(final.get("stopped"))
        self.assertEqual(led(final, "status")["pattern"], "off")
        self.assertIn("stopped", lcd_text(final))


if __name__ == "__main__":
    test_main()
