"""Black-box test: scheduled maintenance windows (issue 17, item 1).

The real binary with --panel=json, exec checks that always fail (no lab,
no network) and TZ=UTC in its environment, so the test can write a
window around "now" in the daemon's local time:

  - Covering: a site-wide window on today's weekday that began a minute
    ago and ends at the next minute or the one after (windows are whole
    minutes; the test waits for a fresh minute when fewer than 20 s of
    the current one are left).  While it runs the status LED is CRITICAL
    but the buzzer is off and the LCD's alarms page names the window;
    the events file says it started.  Once the wall clock passes its end
    the buzzer sounds (never before: a lower bound only) and the events
    file says it ended;
  - NotNow: the same times on another weekday, and a window later today:
    neither covers now, the buzzer sounds and no window event is written;
  - Scope: a window naming a group silences its hosts only: with both
    failing hosts in it the buzzer is off while their LEDs stay CRITICAL;
    naming one host of two, the other's failure sounds;
  - Config: bad day, bad time, from == to, 24:00 as a start, an unknown
    host, group or key are refused by -t with FILE:LINE and exit 1; the
    examples of the README pass.

Tests wait with generous timeouts; no test asserts how fast anything was.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, lcd_text, test_main  # noqa: E402

BINARY = "build/pilotlight"

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # tm_wday - 1

SITE = """\
logging = { level = "info"; target = "stderr"; };
events = { file = "%(dir)s/events.jsonl"; };
hosts = (
	{ name = "nas"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = %(fail)s;
		       interval = "1s"; timeout = "900ms"; fail_after = 1; } ); },
	{ name = "web"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = %(fail)s;
		       interval = "1s"; timeout = "900ms"; fail_after = 1; } ); }
);
groups = ( { name = "storage"; hosts = ["nas", "web"]; } );
pi = { enabled = false; };
maintenance = ( %(windows)s );
indicators = {
	leds = (
		{ name = "status"; shows = "all"; red = 17; green = 27; },
		{ name = "nas"; shows = "host:nas"; red = 22; green = 23; }
	);
	buzzer = { pin = 13; };
	lcd = { bus = 1; address = 0x27; cols = 16; rows = 2;
		pages = ["alarms"]; };
};
"""

FAIL = '["/bin/sh", "-c", "echo down; exit 2"]'
UTC = dict(os.environ, TZ="UTC")


def hhmm(minute):
    minute %= 24 * 60
    return "%02d:%02d" % (minute // 60, minute % 60)


def window(name, days, start, end, scope=""):
    return ('{ name = "%s"; days = [%s]; from = "%s"; to = "%s"; %s}'
            % (name, ", ".join('"%s"' % d for d in days), hhmm(start),
               hhmm(end), scope))


def fresh_minute():
    """Now (UTC), at least 20 s before the minute ends and away from
    midnight, where 'a minute ago' would be yesterday: (struct_time,
    epoch second the current minute began)."""
    while True:
        now = time.time()
        tm = time.gmtime(now)
        minute = tm.tm_hour * 60 + tm.tm_min
        if tm.tm_sec < 40 and 0 < minute < 24 * 60 - 2:
            return tm, int(now) - tm.tm_sec
        time.sleep(61 - tm.tm_sec)


class Case(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-windows-")
        self.pl = None

    def tearDown(self):
        if self.pl:
            self.pl.close()
        shutil.rmtree(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, windows):
        cfg = self.write("site.cfg", SITE % {
            "dir": self.dir, "fail": FAIL, "windows": windows})
        self.pl = PilotlightProc(BINARY, cfg, env=UTC)

    def window_events(self):
        try:
            with open(os.path.join(self.dir, "events.jsonl")) as f:
                ev = [json.loads(x) for x in f if x.strip()]
        except OSError:
            return []
        return [e["reason"] for e in ev if e["kind"] == "maintenance"]

    def wait_events(self, want, timeout=10):
        deadline = time.monotonic() + timeout
        while self.window_events() != want and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.window_events(), want)

    def wait_all_critical(self):
        return self.pl.wait_view(
            lambda v: led(v, "status")["state"] == "CRITICAL"
            and led(v, "nas")["state"] == "CRITICAL", 60)


class Covering(Case):
    def test_window_silences_then_ends_and_the_buzzer_sounds(self):
        tm, minute_start = fresh_minute()
        now = tm.tm_hour * 60 + tm.tm_min
        today = DAYS[tm.tm_wday]
        # Ends when the next minute begins, 20..60 s from here.
        end_epoch = minute_start + 60
        self.start(window("backup", [today], now - 1, now + 1))
        v, _ = self.wait_all_critical()
        v, _ = self.pl.wait_view(
            lambda v: led(v, "status")["state"] == "CRITICAL"
            and "maint backup" in lcd_text(v), 30)
        self.assertEqual(v["buzzer"], "off")
        self.assertRegex(v["lcd"][1], r"^maint backup +\d+s$")
        self.assertEqual(v["lcd"][0].rstrip(), "No alarms")
        self.wait_events(["window backup started"])
        before_end = [x for t, x in self.pl.views if time.time() < end_epoch]
        self.assertTrue(all(x["buzzer"] == "off" for x in before_end))
        v, _ = self.pl.wait_view(lambda v: v["buzzer"] != "off", 180)
        # Not before the wall clock reached the window's end.
        self.assertGreaterEqual(time.time(), end_epoch)
        self.assertNotIn("maint", lcd_text(v))
        self.assertTrue(lcd_text(v).startswith("ALARM CRIT"), lcd_text(v))
        self.wait_events(["window backup started", "window backup ended"])
        self.assertIn("maintenance window backup ended",
                      self.pl.stderr_text())


class NotNow(Case):
    def test_other_weekday_and_later_today_do_not_silence(self):
        tm, _ = fresh_minute()
        now = tm.tm_hour * 60 + tm.tm_min
        others = [d for d in DAYS if d != DAYS[tm.tm_wday]
                  and d != DAYS[tm.tm_wday - 1]]
        self.start(", ".join((
            window("elsewhen", others, now - 1, now + 2),
            window("later", [DAYS[tm.tm_wday]], now + 30, now + 60))))
        v, _ = self.pl.wait_view(lambda v: v["buzzer"] != "off", 60)
        self.assertEqual(led(v, "status")["state"], "CRITICAL")
        self.assertNotIn("maint", lcd_text(v))
        self.assertEqual(self.window_events(), [])


class Scope(Case):
    def covering(self, scope):
        tm, _ = fresh_minute()
        now = tm.tm_hour * 60 + tm.tm_min
        return window("scoped", ["mon-sun"], now - 1, now + 3, scope)

    def test_group_scope_silences_its_hosts_leds_show_the_truth(self):
        self.start(self.covering('groups = ["storage"]; '))
        self.wait_events(["window scoped started"])
        v, _ = self.wait_all_critical()
        v, _ = self.pl.wait_view(lambda v: "maint scoped" in lcd_text(v),
                                 30)
        time.sleep(3)   # results keep coming a second apart
        v = self.pl.last_view()
        self.assertEqual((led(v, "nas")["state"], v["buzzer"]),
                         ("CRITICAL", "off"))
        self.assertEqual(v["lcd"][0].rstrip(), "No alarms")

    def test_host_scope_leaves_the_others_sounding(self):
        self.start(self.covering('hosts = ["nas"]; '))
        self.wait_events(["window scoped started"])
        v, _ = self.pl.wait_view(lambda v: v["buzzer"] != "off", 60)
        self.assertRegex(v["lcd"][0], r"^ALARM CRIT +unack$")
        self.assertRegex(v["lcd"][1], r"^maint scoped +\d+(s|m)$")


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=20)


class Config(Case):
    GOOD = ('{ name = "backup"; days = ["sat", "sun"]; from = "02:00"; '
            'to = "04:30"; hosts = ["nas"]; }, '
            '{ name = "nightly"; days = ["mon-fri"]; from = "23:00"; '
            'to = "01:00"; }, '
            '{ name = "late"; days = ["fri-mon"]; from = "20:00"; '
            'to = "24:00"; groups = ["storage"]; }, '
            '{ name = "allday"; days = ["wed"]; from = "00:00"; '
            'to = "24:00"; }')

    def cfg(self, windows):
        return self.write("c.cfg", SITE % {
            "dir": self.dir, "fail": FAIL,
            "windows": "\n\t" + windows + "\n"})

    def test_examples_pass(self):
        r = run("-t", "-c", self.cfg(self.GOOD))
        self.assertEqual((r.returncode, r.stdout),
                         (0, "configuration OK\n"), r.stderr)

    def test_bad_windows_are_refused_with_file_and_line(self):
        base = '{ name = "w"; days = %s; from = %s; to = %s; %s}'
        cases = (
            (base % ('["sat", "sunday"]', '"02:00"', '"03:00"', ""),
             "'sunday' is not a day"),
            (base % ('["mon-xyz"]', '"02:00"', '"03:00"', ""),
             "'mon-xyz' is not a day"),
            (base % ('[]', '"02:00"', '"03:00"', ""), "'days' is empty"),
            (base % ('["mon"]', '"2:00"', '"03:00"', ""),
             "'from' '2:00' is not a time HH:MM"),
            (base % ('["mon"]', '"24:00"', '"03:00"', ""),
             "'from' '24:00' is not a time HH:MM (00:00..23:59)"),
            (base % ('["mon"]', '"02:00"', '"24:01"', ""),
             "'to' '24:01' is not a time HH:MM (00:00..24:00)"),
            (base % ('["mon"]', '"02:00"', '"02:00"', ""),
             "'from' and 'to' are the same time"),
            (base % ('["mon"]', '"02:00"', '"03:00"', 'hosts = ["nope"]; '),
             "unknown host 'nope'"),
            (base % ('["mon"]', '"02:00"', '"03:00"',
                     'groups = ["nope"]; '), "unknown group 'nope'"),
            (base % ('["mon"]', '"02:00"', '"03:00"', 'color = 1; '),
             "unknown key 'color'"),
        )
        for text, msg in cases:
            with self.subTest(msg=msg):
                path = self.cfg(text)
                r = run("-t", "-c", path)
                self.assertEqual(r.returncode, 1, r.stderr)
                # The window is on line 14 of the file.
                self.assertIn("%s:14: " % path, r.stderr)
                self.assertIn(msg, r.stderr)


if __name__ == "__main__":
    test_main()
