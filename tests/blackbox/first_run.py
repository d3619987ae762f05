"""What a new user meets first, as README.md says it (issue 19).

    python3 tests/blackbox/first_run.py --binary build/pilotlight

  - a usage error exits 2 with a message, a bad --panel too, also with -t;
  - every option of `pilotlight -h` is in README's option table;
  - --hw-scan says which configuration it read; without -c and without
    the default file it scans bus 1 for 0x27 and says so (checked only
    where the default file is absent);
  - --panel=hw on a machine without a GPIO chip names the problem and
    hints at --panel=term (checked only where there is none);
  - the demo as a normal user (nobody, no capabilities): capture on lo is
    refused, and capture/link shows UNKNOWN "permission denied", not
    CRITICAL, in the SIGUSR1 dump; the ping checks are UNKNOWN "no ICMP
    socket" unless ping_group_range lets nobody ping.
"""

import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(ROOT, "config", "demo.cfg")
DEFAULT_CFG = "/etc/pilotlight/pilotlight.cfg"


def run(*args, **kw):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=20, **kw)


class Usage(unittest.TestCase):
    def test_bad_panel_is_a_usage_error(self):
        for args in (["--panel=foo", "-c", DEMO],
                     ["-t", "--panel=foo", "-c", DEMO],
                     ["--panel=foo", "-t", "-c", DEMO]):
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertIn("unknown panel 'foo' (term, json or hw)",
                              r.stderr)

    def test_other_usage_errors_exit_2(self):
        for args in (["--bogus"], ["-c"], ["extra"],
                     ["--max-hosts", "12x", "--replay", "x.pcap"]):
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertNotEqual(r.stderr, "")

    def test_readme_option_table_has_every_option(self):
        # "  -c, --config FILE  ..." or "      --panel=NAME  ...": an
        # option is in the table under either of its names.
        opts = re.findall(r"^  (?:(-\w), )?\s*(--[a-z][a-z-]+)",
                          run("-h").stdout, re.M)
        self.assertIn(("", "--max-hosts"), opts)
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        table = readme[readme.index("| option | meaning |"):]
        table = table[:table.index("\n\n")]
        missing = [long for short, long in opts
                   if "`" + long not in table
                   and not (short and "`" + short in table)]
        self.assertEqual(missing, [], "options of -h not in README's table")


class HwTools(unittest.TestCase):
    def test_hw_scan_names_its_configuration(self):
        r = run("--hw-scan", "-c", DEMO)
        self.assertIn(r.returncode, (0, 1))
        self.assertEqual(r.stdout.splitlines()[0], "configuration " + DEMO)

    def test_hw_scan_without_a_configuration(self):
        if os.path.exists(DEFAULT_CFG):
            self.skipTest(DEFAULT_CFG + " exists on this machine")
        r = run("--hw-scan")
        self.assertIn(r.returncode, (0, 1))
        self.assertEqual(
            r.stdout.splitlines()[0],
            "no %s (No such file or directory): scanning I2C bus 1 for "
            "the LCD at 0x27; -c FILE for your configuration's"
            % DEFAULT_CFG)
        self.assertNotIn("cannot open", r.stderr)

    def test_hw_panel_without_gpio_hints_term(self):
        if glob.glob("/dev/gpiochip*"):
            self.skipTest("this machine has a GPIO chip")
        r = run("-f", "--panel=hw", "-c", DEMO, "-u", "root")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no GPIO chip labelled pinctrl-bcm2835", r.stderr)
        self.assertIn("no Raspberry Pi here? --panel=term draws the panel "
                      "in the terminal", r.stderr)


class NormalUser(unittest.TestCase):
    """The demo as `nobody` with no capabilities, as `make run` by a
    normal user starts it."""

    def test_demo_capture_refused_is_unknown(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to become nobody")
        state = tempfile.mkdtemp(prefix="pl-first-")
        os.chmod(state, 0o777)
        with open(DEMO) as f:
            cfg = f.read().replace('state_dir = "/tmp";',
                                   'state_dir = "%s";' % state)
        path = os.path.join(state, "demo.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        os.chmod(path, 0o644)
        err = open(os.path.join(state, "stderr"), "w+")
        p = subprocess.Popen(
            ["setpriv", "--reuid=nobody", "--regid=nogroup",
             "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
             os.path.abspath(BINARY), "-f", "--panel=json", "-c", path],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 30
            dump = ""
            while time.monotonic() < deadline:
                time.sleep(1)
                self.assertIsNone(p.poll(), "the demo stopped")
                p.send_signal(signal.SIGUSR1)
                time.sleep(0.3)
                err.seek(0)
                dump = err.read()
                if "check capture/link: UNKNOWN (capture" in dump:
                    break
            self.assertIn("capture lo: permission denied (needs "
                          "CAP_NET_RAW)", dump)
            self.assertRegex(dump, r"check capture/link: UNKNOWN \(capture "
                             r"lo: permission denied")
            self.assertNotRegex(dump, r"check capture/link: CRITICAL")
        finally:
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=20), 0)
            err.close()
            subprocess.run(["rm", "-rf", state])


if __name__ == "__main__":
    test_main()
