#!/usr/bin/env python3
"""Actions (README "Actions") through the real binary in the lab.

    python3 tests/blackbox/actions.py --binary build/pilotlight

Needs root.  A lab host "modem" is pinged (interval 1 s, fail_after 2);
the test takes its switch link down and up.  Two actions:
  "marker"  on host:modem, after 2 s, max 2 per hour: a shell command that
            appends "$PL_ACTION|$PL_TARGET|$PL_STATE|$PL_REASON" to a
            file;
  "relay"   on group:uplink (the modem), after 1 s, max 1 per hour: a
            1 s pulse on GPIO23, seen as the JSON panel's "relays" entry.
Observed: the marker file's lines, the JSON panel's views and the events
file.  Waits are generous; no duration is asserted.

  01 modem down: the relay goes active then inactive in the JSON panel;
     the marker file gets a line with the action's environment; each run
     is a "started" and an "ended" (exit status 0) event.
  02 it stays down: the command runs once more after 'after' again, then
     never a third time within the hour: one "held: 2 runs" event; the
     relay pulses once only and says "held: 1 runs" once.
  03 modem back, a long press (maintenance), modem down again: the
     actions say "held: maintenance window" once each, nothing runs.
  04 SIGTERM: exit 0, the final view has the relay inactive.

StopDuringPulse (no lab: an exec check that exits 2 is CRITICAL at once)
  01 a 60 s pulse is active in the JSON panel; SIGTERM: exit 0, the
     final ("stopped") view has the relay inactive, and the log says the
     pulse was cut short.

ConfigErrors (pilotlight -t): every bad action is named at its FILE:LINE
(unknown host, pin used by the buzzer, both command and pulse, a relative
command, duplicate name, out-of-range max), exit 1.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import netlab  # noqa: E402
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
WAIT = 40  # s, for anything the daemon should do within a few seconds

CFG = """
daemon = { state_dir = "%(dir)s"; };
logging = { level = "info"; target = "stderr"; };
defaults = { interval = "1s"; timeout = "500ms"; fail_after = 2;
             recover_after = 1; };
hosts = ( { name = "modem"; address = "%(ip)s";
            checks = ( { type = "ping"; } ); } );
groups = ( { name = "uplink"; hosts = [ "modem" ]; } );
indicators = { lamp_test = false;
               leds = ( { name = "modem"; shows = "host:modem";
                          red = 5; green = 6; } ); };
events = { file = "%(dir)s/events.jsonl"; };
actions = (
  { name = "marker"; on = "host:modem"; state = "critical"; after = "2s";
    max = 2; per = "1h"; timeout = "10s";
    command = [ "/bin/sh", "-c",
      "echo \\"$PL_ACTION|$PL_TARGET|$PL_STATE|$PL_REASON\\" >> %(dir)s/marker" ];
  },
  { name = "relay"; on = "group:uplink"; state = "critical"; after = "1s";
    max = 1; per = "1h";
    pulse = { line = 23; duration = "1s"; }; }
);
"""


def relay_active(view):
    return [r["active"] for r in view["relays"] if r["name"] == "relay"][0]


class Actions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pl-actions-")
        os.chmod(cls.dir, 0o755)
        cls.lab = netlab.Lab()
        cls.lab.open()
        cls.lab.monitor(capture=False)
        cls.modem = cls.lab.host("modem")
        cls.pl = cls.lab.run_pilotlight(
            BINARY, CFG % {"dir": cls.dir, "ip": cls.modem.ip})
        cls.pl.wait_view(lambda v: led(v, "modem")["state"] == "OK", WAIT)

    @classmethod
    def tearDownClass(cls):
        cls.pl.close()
        cls.lab.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def marker(self):
        try:
            with open(os.path.join(self.dir, "marker")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def events(self, action=None):
        out = []
        try:
            with open(os.path.join(self.dir, "events.jsonl")) as f:
                for line in f:
                    e = json.loads(line)
                    if e.get("kind") == "action" and \
                            (action is None or e.get("check") == action):
                        out.append(e)
        except FileNotFoundError:
            pass
        return out

    def reasons(self, action):
        return [e["reason"] for e in self.events(action)]

    def wait(self, pred, what):
        return self.lab.wait_for(lambda: pred() or None, WAIT, what=what)

    def test_01_modem_down_runs_both(self):
        self.modem.link(False)
        self.pl.wait_view(lambda v: led(v, "modem")["state"] == "CRITICAL",
                          WAIT)
        _, t_on = self.pl.wait_view(relay_active, WAIT)
        self.pl.wait_view(lambda v: not relay_active(v), WAIT, since=t_on)
        self.wait(lambda: len(self.marker()) >= 1, "the marker line")
        action, target, state, reason = self.marker()[0].split("|", 3)
        self.assertEqual((action, target, state),
                         ("marker", "host:modem", "CRITICAL"))
        self.assertTrue(reason.startswith("modem/"), reason)
        self.wait(lambda: "command ended: exit status 0"
                  in self.reasons("marker"), "the marker's end event")
        r = self.reasons("marker")
        self.assertTrue(r[0].startswith("command started: /bin/sh"), r)
        self.wait(lambda: any(x.startswith("pulse done")
                              for x in self.reasons("relay")),
                  "the pulse's end event")
        r = self.reasons("relay")
        self.assertTrue(r[0].startswith("pulse started: line 23"), r)
        e = self.events("relay")[0]
        self.assertTrue(e["detail"].startswith("group:uplink CRITICAL"), e)

    def test_02_rate_limit(self):
        self.wait(lambda: "held: 2 runs within 3600 s"
                  in self.reasons("marker"), "the marker's rate hold")
        self.wait(lambda: "held: 1 runs within 3600 s"
                  in self.reasons("relay"), "the relay's rate hold")
        time.sleep(6)   # three 'after's more: nothing may run
        self.assertEqual(len(self.marker()), 2)
        r = self.reasons("marker")
        self.assertEqual(sum(x.startswith("command started") for x in r), 2)
        self.assertEqual(r.count("held: 2 runs within 3600 s"), 1)
        r = self.reasons("relay")
        self.assertEqual(sum(x.startswith("pulse started") for x in r), 1)
        self.assertEqual(r.count("held: 1 runs within 3600 s"), 1)
        pulses = [v for _, v in self.pl.views
                  if "relays" in v and relay_active(v)]
        self.assertTrue(pulses)

    def test_03_maintenance_holds(self):
        self.modem.link(True)
        self.pl.wait_view(lambda v: led(v, "modem")["state"] == "OK", WAIT)
        self.pl.press("long")
        self.wait(lambda: "maintenance" in self.pl.stderr_text(),
                  "the maintenance window")
        self.modem.link(False)
        self.wait(lambda: "held: maintenance window"
                  in self.reasons("marker"), "the marker's maintenance hold")
        self.wait(lambda: "held: maintenance window"
                  in self.reasons("relay"), "the relay's maintenance hold")
        time.sleep(4)
        self.assertEqual(len(self.marker()), 2)
        self.assertEqual(self.reasons("marker").count(
            "held: maintenance window"), 1)
        self.assertEqual(sum(x.startswith("pulse started")
                             for x in self.reasons("relay")), 1)

    def test_04_stop(self):
        self.assertEqual(self.pl.sigterm()[0], 0)
        last = self.pl.last_view()
        self.assertTrue(last.get("stopped"))
        self.assertFalse(relay_active(last))


STOP_CFG = """
logging = { level = "info"; target = "stderr"; };
defaults = { interval = "2s"; timeout = "1s"; fail_after = 1; };
hosts = ( { name = "modem"; address = "127.0.0.1";
            checks = ( { type = "exec";
                         command = [ "/bin/sh", "-c", "exit 2" ]; } ); } );
indicators = { lamp_test = false; };
actions = ( { name = "relay"; on = "host:modem"; after = "0";
              pulse = { line = 23; duration = "60s"; }; } );
"""


class StopDuringPulse(unittest.TestCase):
    def test_stop_releases_the_relay(self):
        d = tempfile.mkdtemp(prefix="pl-actions-stop-")
        try:
            path = os.path.join(d, "stop.cfg")
            with open(path, "w") as f:
                f.write(STOP_CFG)
            with PilotlightProc(BINARY, path) as pl:
                pl.wait_view(relay_active, WAIT)
                self.assertEqual(pl.sigterm()[0], 0)
                last = pl.last_view()
                self.assertTrue(last.get("stopped"))
                self.assertFalse(relay_active(last))
                self.assertIn("action relay: cut short by stop",
                              pl.stderr_text())
        finally:
            shutil.rmtree(d, ignore_errors=True)


BAD = """hosts = ( { name = "modem"; address = "127.0.0.1";
            checks = ( { type = "ping"; } ); } );
indicators = { buzzer = { pin = 18; }; };
actions = (
  { name = "a"; on = "host:nope"; command = [ "/bin/true" ]; },
  { name = "b"; on = "host:modem"; pulse = { line = 18; }; },
  { name = "c"; on = "host:modem"; command = [ "/bin/true" ];
    pulse = { line = 22; }; },
  { name = "d"; on = "host:modem"; command = [ "true" ]; },
  { name = "a"; on = "host:modem"; max = 0; command = [ "/bin/true" ]; }
);
"""


class ConfigErrors(unittest.TestCase):
    def test_each_error_at_its_line(self):
        d = tempfile.mkdtemp(prefix="pl-actions-cfg-")
        try:
            path = os.path.join(d, "bad.cfg")
            with open(path, "w") as f:
                f.write(BAD)
            r = subprocess.run([BINARY, "-t", "-c", path],
                               capture_output=True, text=True, timeout=30)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        self.assertEqual(r.returncode, 1)
        want = [
            ":5: action 'a' is on unknown host:nope",
            ":6: pin 18 already used by the buzzer (line 3)",
            ":7: action 'c' needs exactly one of 'command' and 'pulse'",
            ":9: 'command' must start with an absolute path, not 'true'",
            ":10: duplicate action name 'a' (first at line 5)",
            ":10: 'max'",
        ]
        for w in want:
            self.assertIn(path + w, r.stderr)


if __name__ == "__main__":
    test_main()
