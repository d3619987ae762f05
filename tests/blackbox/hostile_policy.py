"""Black-box test: policy settings that once made pilotlight silent.

Issue 13 ("Never silent"), items 1 and 2, against the real binary with
--panel=json and exec checks (no lab, no network: /bin/sh plugins).

  - LongStreak: fail_after = 40 on a check that always fails.  A streak
    longer than the old 32-result history never decided, grace never
    ended and nothing ever sounded.  Now the status LED turns CRITICAL and
    the buzzer sounds, and the state-change event names the plugin's 40th
    run (the plugin numbers its runs in its output);
  - BoundedGrace: a check that runs once an hour has not decided, another
    fails at once; with defaults.grace = "3s" the buzzer sounds while the
    hourly check is still UNKNOWN, and not before grace is over (a lower
    bound only: a slow machine makes it later, never earlier);
  - ConfigRange: fail_after / recover_after 0 and 101 and a grace out of
    1s..10m are refused by -t with FILE:LINE and exit 1; 1 and 100 pass.

Tests wait with generous timeouts; no test asserts how fast anything was.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, lcd_text, test_main  # noqa: E402

BINARY = "build/pilotlight"

PANEL = """\
indicators = {
	leds = (
		{ name = "status"; shows = "all"; red = 17; green = 27; }%s
	);
	buzzer = { pin = 13; };
	lcd = { bus = 1; address = 0x27; cols = 16; rows = 2; };
};
"""

# Numbers its runs: "start N" and "end N" in DIR/runs, "run N" as its
# output (the check's reason), exit 2 (CRITICAL).  A run the timeout
# killed leaves no "end N".
PLUGIN = """\
#!/bin/sh
n=$(( $(cat "%(dir)s/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "%(dir)s/count"
echo "start $n" >> "%(dir)s/runs"
echo "run $n"
echo "end $n" >> "%(dir)s/runs"
exit 2
"""

LONG_STREAK = """\
logging = { level = "info"; target = "stderr"; };
events = { file = "%(dir)s/events.jsonl"; };
hosts = (
	{ name = "svc"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = ["/bin/sh", "%(dir)s/plugin"];
		       interval = "1s"; timeout = "900ms";
		       fail_after = 40; recover_after = 40; } ); }
);
""" + PANEL % ""

FAIL = '["/bin/sh", "-c", "echo down; exit 2"]'

BOUNDED_GRACE = """\
logging = { level = "info"; target = "stderr"; };
defaults = { grace = "3s"; };
hosts = (
	{ name = "fast"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = %(fail)s;
		       interval = "1s"; timeout = "900ms"; fail_after = 1; } ); },
	{ name = "hourly"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = %(fail)s;
		       interval = "1h"; fail_after = 3; } ); }
);
""" % {"fail": FAIL} + PANEL % (
    ',\n\t\t{ name = "hourly"; shows = "host:hourly"; red = 22; '
    'green = 23; }')

GRACE_S = 3


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=20)


class Case(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-hostile-")
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


class LongStreak(Case):
    def events(self):
        try:
            with open(os.path.join(self.dir, "events.jsonl")) as f:
                return [json.loads(x) for x in f if x.strip()]
        except OSError:
            return []

    def incomplete_runs(self):
        """Runs the plugin began but did not finish (killed at timeout)."""
        with open(os.path.join(self.dir, "runs")) as f:
            words = [line.split() for line in f if line.strip()]
        started = {int(n) for w, n in words if w == "start"}
        ended = {int(n) for w, n in words if w == "end"}
        return sorted(started - ended)

    def test_fail_after_40_goes_critical_and_sounds(self):
        self.write("plugin", PLUGIN % {"dir": self.dir})
        cfg = self.write("site.cfg", LONG_STREAK % {"dir": self.dir})
        self.pl = PilotlightProc(BINARY, cfg)
        # 40 runs a second apart; wait far longer than that.
        v, _ = self.pl.wait_view(
            lambda v: led(v, "status")["state"] == "CRITICAL"
            and v["buzzer"] != "off", 300)
        self.assertIn("svc", lcd_text(v))
        # No grace set: 2 x (1 s x 40 + 0.9 s), below the 5 min cap.
        self.assertIn("start-up grace 81.8s", self.pl.stderr_text())
        changes = [e for e in self.events() if e["kind"] == "state"]
        # The event is written before the view that shows it; still,
        # allow the writer a moment.
        deadline = time.monotonic() + 10
        while not changes and time.monotonic() < deadline:
            time.sleep(0.2)
            changes = [e for e in self.events() if e["kind"] == "state"]
        self.assertEqual(len(changes), 1, changes)
        e = changes[0]
        self.assertEqual((e["check"], e["old_state"], e["new_state"]),
                         ("svc/exec", "UNKNOWN", "CRITICAL"))
        # A run the timeout killed is not CRITICAL and starts the streak
        # over: then the 40 in a row end 40 runs after the last such one.
        cut = max(self.incomplete_runs(), default=0)
        self.assertEqual(e["reason"], "run %d" % (cut + 40))


class BoundedGrace(Case):
    def test_buzzer_sounds_after_grace_though_a_check_never_decided(self):
        cfg = self.write("site.cfg", BOUNDED_GRACE)
        self.pl = PilotlightProc(BINARY, cfg)
        v, t = self.pl.wait_view(lambda v: v["buzzer"] != "off", 60)
        self.assertEqual(led(v, "status")["state"], "CRITICAL")
        # The hourly check never ran: it is still undecided.
        self.assertEqual(led(v, "hourly")["state"], "UNKNOWN")
        # Grace is counted from the daemon's start, which came after
        # self.pl.started: the buzzer cannot have sounded sooner.
        self.assertGreaterEqual(t - self.pl.started, GRACE_S)
        self.assertIn("fast", lcd_text(v))
        self.assertIn("start-up grace 3s", self.pl.stderr_text())
        self.pl.signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "check hourly/exec" not in self.pl.stderr_text():
            self.assertLess(time.monotonic(), deadline,
                            self.pl.stderr_text())
            time.sleep(0.1)
        self.assertIn("check hourly/exec: UNKNOWN (waiting for first "
                      "result)", self.pl.stderr_text())


class ConfigRange(Case):
    def check(self, defaults, check_keys):
        return self.write("c.cfg", """\
defaults = { %s };
hosts = (
	{ name = "gw"; address = "127.0.0.1";
	  checks = ( { type = "exec"; command = ["/bin/true"]; %s } ); }
);
""" % (defaults, check_keys))

    def test_range_ends_load(self):
        for d, c in (("fail_after = 1; recover_after = 100;",
                      "fail_after = 100; recover_after = 1;"),
                     ('grace = "1s";', ""), ('grace = "10m";', "")):
            r = run("-t", "-c", self.check(d, c))
            self.assertEqual((r.returncode, r.stdout),
                             (0, "configuration OK\n"), r.stderr)

    def test_out_of_range_is_refused_with_file_and_line(self):
        cases = (
            ("", "fail_after = 0;",
             ":4: 'fail_after' 0 out of range 1..100"),
            ("", "recover_after = 101;",
             ":4: 'recover_after' 101 out of range 1..100"),
            ("fail_after = 101;", "",
             ":1: 'fail_after' 101 out of range 1..100"),
            ('grace = "11m";', "",
             ":1: 'grace' 11m out of range 1s..10m"),
            ('grace = "500ms";', "",
             ":1: 'grace' 500ms out of range 1s..10m"),
        )
        for d, c, want in cases:
            path = self.check(d, c)
            r = run("-t", "-c", path)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertEqual(r.stderr, path + want + "\n")


if __name__ == "__main__":
    test_main()
