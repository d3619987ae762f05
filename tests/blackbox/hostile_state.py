#!/usr/bin/env python3
"""What daemon.state_dir keeps across a restart, and what a hostile one
does to it.

    python3 tests/blackbox/hostile_state.py --binary build/pilotlight

  - maintenance: a long press starts it, SIGTERM, start again: the LCD's
    alarms page still says "maint" with the time left and the buzzer stays
    silent although the check still fails (the window's end is kept as
    wall-clock time, so a reboot keeps it too);
  - acknowledgement: a failing check sounds the buzzer, a short press
    silences it, SIGTERM, start again: once the check has its first result
    its LED is red and the buzzer silent (the same problem); a second
    check failing sounds it again (a new problem);
  - a full disk (a 16 KiB tmpfs, filled) as state_dir: new devices on the
    mirror cannot be saved; the log says so with how many are at risk, and
    at SIGTERM how many known devices were not saved and why; started
    again, the devices are new again (they were lost), and once the space
    is freed the retry writes them to the file without a restart;
  - a known-devices file with a 300-character line whose tail reads as a
    device, and a malformed line: the log names both lines by number, the
    good devices are loaded (not new when they show up), and the device in
    the long line's tail is new when it shows up.

Needs root (tmpfs, the netlab lab).
"""

import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import faults  # noqa: E402
import netlab  # noqa: E402
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"

# Two exec checks that fail while their flag file exists: exit 2 is
# CRITICAL, whose buzzer pattern "repeat" lasts until acknowledged.  The
# LCD shows only the alarms page.
PANEL = """\
daemon = {{ state_dir = "{state}"; }};
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "1s"; timeout = "500ms"; fail_after = 1;
	     recover_after = 1; }};
hosts = ( {{ name = "self"; address = "127.0.0.1"; checks = (
	{{ name = "disk"; type = "exec";
	  command = ["/bin/sh", "-c", "test ! -e {dir}/disk-bad || exit 2"]; }},
	{{ name = "raid"; type = "exec";
	  command = ["/bin/sh", "-c", "test ! -e {dir}/raid-bad || exit 2"]; }}
	); }} );
indicators = {{
	leds = ( {{ name = "self"; shows = "host:self"; red = 17;
		   green = 27; }} );
	buzzer = {{ pin = 16; }};
	button = {{ pin = 26; }};
	lcd = {{ cols = 16; rows = 2; pages = ["alarms"]; }};
}};
"""

KNOWN_DEVICES = "known-devices.tsv"


def lcd_row(view, row):
    return view["lcd"][row].rstrip()


class Remembered(faults.Base):
    """Acknowledgement and maintenance across a restart."""

    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state)
        self.cfg = self.write_cfg(PANEL.format(state=self.state,
                                               dir=self.dir))

    def break_check(self, check, bad=True):
        path = os.path.join(self.dir, check + "-bad")
        if bad:
            open(path, "w").close()
        elif os.path.exists(path):
            os.unlink(path)

    def start(self):
        pl = PilotlightProc(BINARY, self.cfg)
        self.addCleanup(pl.close)
        return pl

    def sounding(self, pl, since=None):
        return pl.wait_view(lambda v: led(v, "self")["state"] == "CRITICAL"
                            and v["buzzer"] == "repeat", timeout=10,
                            since=since)

    def silent_while_red(self, pl, t0, seconds=4):
        """From the first red view on, seconds of views: all red, all
        silent (the checks run every second)."""
        _, t_red = pl.wait_view(lambda v: led(v, "self")["state"] ==
                                "CRITICAL", timeout=10, since=t0)
        time.sleep(seconds)
        views = [v for t, v in list(pl.views) if t >= t_red]
        self.assertGreater(len(views), 0)
        for v in views:
            self.assertEqual(led(v, "self")["state"], "CRITICAL", v)
            self.assertEqual(v["buzzer"], "off", v)
        return views[-1]

    def test_maintenance_window_survives_a_restart(self):
        self.break_check("disk")
        pl = self.start()
        self.sounding(pl)
        t = time.monotonic()
        pl.press("long")
        v, _ = pl.wait_view(lambda v: lcd_row(v, 1).startswith("maint"),
                            timeout=5, since=t)
        self.assertEqual(v["buzzer"], "off")
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, pl.stderr_text())

        pl = self.start()
        t0 = time.monotonic()
        last = self.silent_while_red(pl, t0)
        self.assertEqual(lcd_row(last, 0), "No alarms")
        self.assertRegex(lcd_row(last, 1), r"^maint (1h00m|5\dm)$")
        self.assertIn("maintenance window: still on after the restart",
                      pl.stderr_text())
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, pl.stderr_text())

    def test_acknowledged_alarm_stays_so_until_a_new_problem(self):
        self.break_check("disk")
        pl = self.start()
        self.sounding(pl)
        t = time.monotonic()
        pl.press("short")
        pl.wait_view(lambda v: v["buzzer"] == "off" and
                     lcd_row(v, 1) == "ack", timeout=5, since=t)
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, pl.stderr_text())

        pl = self.start()
        last = self.silent_while_red(pl, time.monotonic())
        self.assertEqual(lcd_row(last, 0), "ALARM CRIT")
        self.assertEqual(lcd_row(last, 1), "ack")
        t = time.monotonic()
        self.break_check("raid")                     # a new problem
        v, _ = self.sounding(pl, since=t)
        self.assertEqual(lcd_row(v, 1), "unack")
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, pl.stderr_text())


class KnownDevicesOnAHostileDisk(faults.Base):
    site = faults.StateDirFaults.site
    ok = faults.StateDirFaults.ok

    def setUp(self):
        super().setUp()
        faults.BINARY = BINARY    # the helpers start the binary under test

    def new_device_events(self, pl, mac):
        return len(re.findall(r"new device.*%s" % re.escape(mac),
                              pl.stderr_text()))

    def test_full_disk_says_what_is_lost_and_saves_once_freed(self):
        state = self.tmpfs("full", "size=16k")
        fill = os.path.join(state, "fill")
        subprocess.run(["dd", "if=/dev/zero", "of=" + fill, "bs=4k"],
                       capture_output=True)
        mac = "02:00:5e:00:00:99"
        with netlab.Lab() as lab:
            mon, nas, pl = self.site(lab, state)
            self.ok(pl)
            lab.new_device("laptop", "10.77.0.99", mac)
            m = lab.wait_for(lambda: re.search(
                r"known devices: cannot write \S+: No space left on "
                r"device; (\d+) devices? at risk", pl.stderr_text()), 15,
                what="save failure with the count")
            self.assertGreaterEqual(int(m.group(1)), 1)
            # The event's log line may come a moment after the failed
            # save's: wait for it, then there is exactly one.
            lab.wait_for(lambda: self.new_device_events(pl, mac) >= 1, 15,
                         what="the new-device event")
            self.assertEqual(self.new_device_events(pl, mac), 1)
            code, _ = pl.sigterm()
            err = pl.stderr_text()
            self.assertEqual(code, 0, err)
            lost = re.search(r"(\d+) known devices not saved: \S+"
                             r"known-devices.tsv: No space left on device",
                             err)
            self.assertIsNotNone(lost, err)
            self.assertGreaterEqual(int(lost.group(1)), 2, err)  # nas too
            self.assertFalse(os.path.exists(os.path.join(state,
                                                         KNOWN_DEVICES)))

            # Started again the devices were lost: the NAS is new again.
            with open(pl.cfg) as f:
                pl = lab.run_pilotlight(BINARY, f.read())
            self.ok(pl)
            lab.wait_for(lambda: self.new_device_events(
                pl, nas.mac.lower()) == 1, 10, what="the NAS new again")
            lab.new_device("laptop2", "10.77.0.98", "02:00:5e:00:00:98")
            lab.wait_for(lambda: "known devices: cannot write"
                         in pl.stderr_text(), 15, what="save failure")
            os.unlink(fill)
            lab.wait_for(lambda: "known devices: saved to" in
                         pl.stderr_text(), 70, what="saved after the retry")
            with open(os.path.join(state, KNOWN_DEVICES)) as f:
                text = f.read()
            self.assertIn("02:00:5e:00:00:98\t10.77.0.98\t", text)
            code, _ = pl.sigterm()
            err = pl.stderr_text()
            self.assertEqual(code, 0, err)
            self.assertNotIn("not saved", err)

    def test_long_and_malformed_lines_are_skipped_whole(self):
        state = os.path.join(self.dir, "state")
        os.mkdir(state)
        good = ("02:00:5e:00:00:41", "10.77.0.41")
        tail = ("02:00:5e:00:00:42", "10.77.0.42")
        pad = "#" + "x" * 254     # the tail starts at byte 256
        with open(os.path.join(state, KNOWN_DEVICES), "w") as f:
            f.write("%s\t%s\t1700000000\t1700000000\n" % good)
            f.write("%s%s\t%s\t1700000000\t1700000000\n" % ((pad,) + tail))
            f.write("02:00:5e:00:00:43 10.77.0.43 yesterday\n")
        with netlab.Lab() as lab:
            mon, nas, pl = self.site(lab, state)
            self.ok(pl)
            err = pl.stderr_text()
            self.assertRegex(err, r"known-devices.tsv:2: longer than 255 "
                             r"characters; line skipped")
            self.assertRegex(err, r"known-devices.tsv:3: not MAC")
            lab.new_device("good", good[1], good[0])
            lab.new_device("tail", tail[1], tail[0])
            lab.wait_for(lambda: self.new_device_events(pl, tail[0]) == 1,
                         10, what="the tail's device is new")
            self.assertEqual(self.new_device_events(pl, good[0]), 0)
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, pl.stderr_text())
        with open(os.path.join(state, KNOWN_DEVICES)) as f:
            text = f.read()
        self.assertNotIn("xxxx", text)        # rewritten without it
        self.assertIn("%s\t%s\t1700000000\t" % good, text)


if __name__ == "__main__":
    test_main()
