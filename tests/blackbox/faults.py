"""Faults at run time never kill the daemon: it logs once and keeps going.

    python3 tests/blackbox/faults.py --binary build/pilotlight

  - the capture interface vanishes and comes back (a USB adapter pulled
    and replugged): a veth pair added in the lab's monitor namespace is
    deleted and re-created while pilotlight, dropped to a test user with
    only CAP_NET_RAW, captures it: "interface gone" once, the metrics show
    it inactive, then "capturing again", reopens_total 1 and frames
    counted again;
  - the state directory is read-only (a read-only tmpfs): the known
    devices cannot be saved, logged once, probes and capture go on;
  - the disk is full (a 64 KiB tmpfs, filled): the events file and the
    known devices cannot be written, each logged once, state changes
    still reach the panel;
  - the wall clock jumps a day ahead (an LD_PRELOAD shim, built here,
    adds 86400 s to CLOCK_REALTIME, gettimeofday and time once a flag file
    exists; the host's clock is never touched): probe rounds keep their
    1 s cadence and the panel keeps updating, since every timer runs on
    CLOCK_MONOTONIC; only the timestamps people read move.

A busy GPIO line at start and I2C errors mid-run are covered by the unit
tests (tests/unit/gpio_cases.h test_busy_line, test_lcd_recovery.c).
Needs root.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request  # noqa: F401  (used inside the namespace)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import netlab  # noqa: E402
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
PORT = 9775


def count(text, needle):
    return sum(needle in ln for ln in text.splitlines())


class Base(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        self.dir = tempfile.mkdtemp(prefix="pl-faults-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write_cfg(self, text):
        path = os.path.join(self.dir, "site.cfg")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def tmpfs(self, name, opts):
        path = os.path.join(self.dir, name)
        os.mkdir(path)
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "pl-faults",
                        path], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", path])
        return path


class CaptureInterfaceVanishes(Base):
    def setUp(self):
        super().setUp()
        self.user = "pltfault%d" % (os.getpid() % 100000)
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", self.user],
                       check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["userdel", self.user],
                        capture_output=True)

    def metrics(self, mon):
        out = mon.run([sys.executable, "-c",
                       "import urllib.request;print(urllib.request.urlopen("
                       "'http://127.0.0.1:%d/metrics',timeout=5).read()"
                       ".decode())" % PORT]).stdout
        vals = {}   # metric name -> sum over its label sets
        for ln in out.splitlines():
            if ln.startswith(("pilotlight_capture_",
                              "pilotlight_traffic_frames_total")):
                k, v = ln.rsplit(" ", 1)
                k = k.split("{")[0]
                vals[k] = vals.get(k, 0.0) + float(v)
        return vals

    def frames(self, mon, n=20):
        """n broadcast frames into capy, so capx receives them."""
        mon.run([sys.executable, "-c",
                 "import socket\n"
                 "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
                 "s.bind(('capy',0))\n"
                 "f=b'\\xff'*6+b'\\x02\\x00\\x00\\x00\\x00\\x01'+"
                 "b'\\x88\\xb5'+b'pilotlight-fault'*4\n"
                 "for i in range(%d): s.send(f)\n" % n])

    def veth(self, mon, up=True):
        if up:
            mon.run("ip link add capx type veth peer name capy && "
                    "ip link set capx up && ip link set capy up")
        else:
            mon.run(["ip", "link", "del", "capx"])

    def test_capture_reopens_after_interface_comes_back(self):
        with netlab.Lab() as lab:
            mon = lab.monitor(capture=False)
            self.veth(mon)
            cfg = self.write_cfg(
                'daemon = { user = "%s"; state_dir = "%s"; };\n'
                'logging = { level = "info"; target = "stderr"; };\n'
                'hosts = ();\n'
                'capture = { interfaces = ["capx"]; };\n'
                'metrics = { enabled = true; listen = "127.0.0.1:%d"; };\n'
                % (self.user, self.dir, PORT))
            with PilotlightProc(BINARY, cfg, netns=lab.monitor_ns,
                                user=None) as pl:
                lab.wait_for(lambda: "capture capx: capturing"
                             in pl.stderr_text(), 10, what="capturing")
                self.frames(mon)
                m0 = lab.wait_for(
                    lambda: (lambda m: m if m.get(
                        "pilotlight_traffic_frames_total", 0) >= 20
                        else None)(self.metrics(mon)), 10,
                    what="frames counted")
                self.veth(mon, up=False)
                lab.wait_for(lambda: "capture capx: interface gone"
                             in pl.stderr_text(), 10, what="gone logged")
                m = self.metrics(mon)
                self.assertEqual(m.get("pilotlight_capture_active"), 0.0, m)
                time.sleep(2)   # a few retries while it is gone
                self.veth(mon)
                lab.wait_for(lambda: "capture capx: capturing again"
                             in pl.stderr_text(), 30, what="reopened")
                self.frames(mon)
                m1 = lab.wait_for(
                    lambda: (lambda m: m if m.get(
                        "pilotlight_capture_reopens_total") == 1 and
                        m.get("pilotlight_capture_active") == 1 else None)(
                        self.metrics(mon)), 10, what="active again")
                self.assertTrue(pl.alive())
                err = pl.stderr_text()
                self.assertEqual(count(err, "capture capx: interface gone;"
                                       " retrying"), 1, err)
                # ...and shown: the capture check goes CRITICAL, from
                # UNKNOWN or from OK: whether it decided OK before the
                # link went down depends on how busy the machine is.
                self.assertRegex(err, r"(UNKNOWN|OK) -> CRITICAL \(capture "
                                 r"capx: interface gone\)")
                self.assertIn("capabilities 'cap_net_raw=ep'", err)
                code, _ = pl.sigterm()
                self.assertEqual(code, 0, err)
        print("frames before %s, after reopen %s" % (
            m0.get("pilotlight_traffic_frames_total"),
            m1.get("pilotlight_traffic_frames_total")))


SITE = """\
daemon = {{ state_dir = "{state}"; }};
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "1s"; timeout = "400ms"; fail_after = 2;
	     recover_after = 1; }};
hosts = ( {{ name = "nas"; address = "{nas}";
	    checks = ( {{ type = "ping"; }} ); }} );
capture = {{ interfaces = ["{cap}"]; local_networks = ["10.77.0.0/24"]; }};
{events}
indicators = {{ leds = ( {{ name = "nas"; shows = "host:nas"; red = 17;
			  green = 27; }} ); }};
"""


class StateDirFaults(Base):
    def site(self, lab, state, events=""):
        gw = lab.router("gw")
        mon = lab.monitor(gateway=gw.ip)
        nas = lab.host("nas", "10.77.0.20/24", gateway=gw.ip)
        pl = lab.run_pilotlight(BINARY, SITE.format(
            state=state, nas=nas.ip, cap=netlab.CAPTURE_IF, events=events))
        return mon, nas, pl

    def ok(self, pl, want="OK", since=None, timeout=10):
        return pl.wait_view(lambda v: led(v, "nas")["state"] == want,
                            timeout=timeout, since=since)

    def link_down_up(self, pl, nas):
        """The NAS's link down until its LED is red, up until green: two
        state changes to write."""
        for up, want in ((False, "CRITICAL"), (True, "OK")):
            t = time.monotonic()
            nas.link(up)
            self.ok(pl, want, since=t)

    def test_read_only_state_dir(self):
        state = self.tmpfs("ro", "ro,size=64k")
        with netlab.Lab() as lab:
            mon, nas, pl = self.site(lab, state)
            self.ok(pl)
            lab.new_device("laptop", "10.77.0.99", "02:00:5e:00:00:99")
            lab.wait_for(lambda: "known devices: cannot write"
                         in pl.stderr_text(), 10, what="save failure")
            self.link_down_up(pl, nas)
            err = pl.stderr_text()
            self.assertEqual(count(err, "known devices: cannot write"), 1,
                             err)
            self.assertIn("Read-only file system", err)
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, err)

    def test_full_disk(self):
        state = self.tmpfs("full", "size=64k")
        # Fill it before the start: the events file is then created empty
        # (an inode, no block) and its first line cannot be written.
        subprocess.run(["dd", "if=/dev/zero", "of=" + state + "/fill",
                        "bs=4k"], capture_output=True)
        events = 'events = { file = "%s/events.jsonl"; };' % state
        with netlab.Lab() as lab:
            mon, nas, pl = self.site(lab, state, events)
            self.ok(pl)
            lab.new_device("laptop", "10.77.0.99", "02:00:5e:00:00:99")
            for _ in range(2):      # two changes each way: logged once
                self.link_down_up(pl, nas)
            lab.wait_for(lambda: "known devices: cannot write"
                         in pl.stderr_text(), 10, what="save failure")
            err = pl.stderr_text()
            self.assertEqual(count(err, "events: cannot write"), 1, err)
            self.assertEqual(count(err, "known devices: cannot write"), 1,
                             err)
            self.assertIn("No space left on device", err)
            self.assertTrue(pl.alive())
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, err)


SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* +1 day on the wall clock once $PL_CLOCK_JUMP_FLAG exists. */
static time_t offset(void)
{
	static const char *flag;

	if (!flag)
		flag = getenv("PL_CLOCK_JUMP_FLAG");
	return flag && access(flag, F_OK) == 0 ? 86400 : 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int rc;

	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(
			RTLD_NEXT, "clock_gettime");
	rc = real(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += offset();
	return rc;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
"""


class WallClockJump(Base):
    def test_timers_keep_their_cadence(self):
        shim = os.path.join(self.dir, "clockjump.so")
        src = os.path.join(self.dir, "clockjump.c")
        with open(src, "w") as f:
            f.write(SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, src,
                        "-ldl"], check=True)
        flag = os.path.join(self.dir, "jumped")
        stamps = os.path.join(self.dir, "runs")
        # Each probe round of the exec check appends CLOCK_BOOTTIME.
        cfg = self.write_cfg(
            'logging = { level = "info"; target = "stderr"; };\n'
            'hosts = ( { name = "self"; address = "127.0.0.1";\n'
            '  checks = ( { type = "exec"; interval = "1s";'
            ' timeout = "500ms";\n'
            '    command = ["/bin/sh", "-c", '
            '"cut -d\\" \\" -f1 /proc/uptime >> %s"]; } ); } );\n'
            'indicators = { leds = (\n'
            '  { name = "self"; shows = "host:self"; green = 27; },\n'
            '  { name = "alive"; shows = "heartbeat"; green = 22; } );\n'
            '  lcd = { cols = 16; rows = 2; page_interval = "1h"; }; };\n'
            % stamps)
        env = dict(os.environ, LD_PRELOAD=shim, PL_CLOCK_JUMP_FLAG=flag)
        if os.environ.get("PL_SANITIZED"):
            # ASan wants its runtime first; the shim only wraps libc.
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + \
                ":verify_asan_link_order=0"
        with PilotlightProc(BINARY, cfg, env=env) as pl:
            pl.wait_view(lambda v: led(v, "self")["state"] == "OK",
                         timeout=10)
            time.sleep(4)
            before = pl.last_view()
            open(flag, "w").close()
            t_jump = time.monotonic()
            with open(stamps) as f:
                n_before = len(f.read().split())
            time.sleep(6)
            self.assertTrue(pl.alive())
            # The next LCD page makes a fresh view with its wall time.
            pl.press("next")
            after, _ = pl.wait_view(lambda v: True, since=t_jump + 5,
                                    timeout=5)
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, pl.stderr_text())
        with open(stamps) as f:
            runs = [float(x) for x in f.read().split()]
        gaps = [b - a for a, b in zip(runs, runs[1:])]
        after_jump = gaps[n_before - 1:]
        print("probe gaps (s): before %s / after %s" % (
            " ".join("%.2f" % g for g in gaps[:n_before - 1]),
            " ".join("%.2f" % g for g in after_jump)))
        self.assertGreaterEqual(len(after_jump), 5)
        # Once a second before and after: a jump would show as a gap of
        # about zero or of the jump; a loaded machine only makes one late.
        for g in gaps:
            self.assertTrue(0.2 <= g <= 5.0, gaps)
        wall = (time_of(after) - time_of(before))
        mono = (after["mono_ms"] - before["mono_ms"]) / 1000.0
        print("panel views: wall clock moved %.0f s, monotonic %.1f s"
              % (wall, mono))
        self.assertGreater(wall - mono, 86000)


def time_of(view):
    import calendar
    t = view["time"]
    return calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) + \
        float("0." + t[20:23])


if __name__ == "__main__":
    test_main()
