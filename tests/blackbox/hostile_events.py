"""Black-box test: the events file through log rotation, deletion and an
unwritable directory, with the daemon dropped to a service user.

    python3 tests/blackbox/hostile_events.py --binary build/pilotlight

The real binary starts as root with `-u` a throw-away system user (made
here, removed afterwards) and events.file in a directory that user owns,
as /var/log/pilotlight is under the shipped unit (LogsDirectory=).  An
exec check reports CRITICAL while a flag file exists, so each toggle is
one state change; the test waits for the LED, then reads the files.
Every case asserts the state events by check and states, in order, and
that none is lost over all the files:

  - rename, one event, SIGHUP, four more (logrotate's create mode): the 5
    events after the rename are all in the new file, which the service
    user owns (mode 0640 at most); the reload logs no "Permission denied";
  - copytruncate (copy, truncate, no signal): later events start the
    truncated file at offset 0;
  - delete, no signal: the next event creates the file again;
  - the shipped config/pilotlight.logrotate, run by logrotate -f with its
    path and postrotate command pointed at this test's file and daemon;
  - the directory not writable (mode 0500) when the file must be created
    again: one "cannot write ... Permission denied" line, the events are
    held in memory and written in order once it is writable;
  - under the shipped unit's filesystem sandbox as far as it can be had
    without systemd as PID 1 (no `systemd-run` here): in a mount namespace
    everything read-only but the log directory (ProtectSystem=strict plus
    LogsDirectory=), rename and delete lose nothing;
  - an events file in a directory the service user cannot write is a
    start error naming it, not a silent loss at the first rotation.

Needs root; skips otherwise.
"""

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SNIPPET = os.path.join(ROOT, "config", "pilotlight.logrotate")
CHECK = "gw/exec"

CONFIG = """\
daemon = {{ user = "{user}"; state_dir = "{state}"; }};
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "1s"; timeout = "900ms"; fail_after = 1;
	     recover_after = 1; }};
hosts = (
	{{ name = "gw"; address = "127.0.0.1";
	  checks = ( {{ type = "exec";
		       command = ["/bin/sh", "-c", "test -e {flag} && exit 2; exit 0"]; }} ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
}};
events = {{ file = "{events}"; syslog = false; rate_limit = 0; }};
"""


def state_events(path):
    """[(check, old, new)] of the state lines in path ([] if missing)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return []
    out = []
    for line in raw.decode().splitlines():
        e = json.loads(line)  # every line whole: no NUL hole, no cut line
        if e["kind"] == "state":
            out.append((e["check"], e["old_state"], e["new_state"]))
    return out


class EventsFile(unittest.TestCase):
    user = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (useradd, -u)")
        cls.user = "pltev%d" % (os.getpid() % 100000)
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "--user-group",
                        cls.user], check=True, capture_output=True)
        pw = pwd.getpwnam(cls.user)
        cls.uid, cls.gid = pw.pw_uid, pw.pw_gid

    @classmethod
    def tearDownClass(cls):
        if cls.user:
            subprocess.run(["userdel", cls.user], capture_output=True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-events-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.log = self.own_dir("log")
        self.state = self.own_dir("state")
        self.events = os.path.join(self.log, "events.jsonl")
        self.flag = os.path.join(self.dir, "down")
        self.want = []  # every state event so far, in order
        self.cur = "OK"

    def own_dir(self, name):
        path = os.path.join(self.dir, name)
        os.mkdir(path, 0o750)
        os.chown(path, self.uid, self.gid)
        return path

    def write_cfg(self, events=None):
        path = os.path.join(self.dir, "site.cfg")
        with open(path, "w") as f:
            f.write(CONFIG.format(user=self.user, state=self.state,
                                  flag=self.flag,
                                  events=events or self.events))
        os.chmod(path, 0o644)
        return path

    def start(self, binary=None):
        pl = PilotlightProc(binary or BINARY, self.write_cfg(),
                            user=self.user)
        self.addCleanup(pl.close)
        pl.wait_view(lambda v: led(v, "status")["state"] == "OK", 15)
        return pl

    def toggle(self, pl, n=1):
        """n state changes, each seen on the LED."""
        for _ in range(n):
            new = "CRITICAL" if self.cur == "OK" else "OK"
            t = time.monotonic()
            if new == "CRITICAL":
                open(self.flag, "w").close()
            else:
                os.unlink(self.flag)
            pl.wait_view(lambda v: led(v, "status")["state"] == new, 15,
                         since=t)
            self.want.append((CHECK, self.cur, new))
            self.cur = new

    def wait_lines(self, pl, path, n):
        """Until path holds n state events (the write follows the LED
        within the same loop turn; this only waits for it)."""
        deadline = time.monotonic() + 10
        while len(state_events(path)) < n:
            if time.monotonic() > deadline:
                self.fail("%s: %s, want %d state events\n%s" % (
                    path, state_events(path), n, pl.stderr_text()[-2000:]))
            time.sleep(0.05)
        return state_events(path)

    def wait_log(self, pl, text):
        deadline = time.monotonic() + 10
        while text not in pl.stderr_text():
            self.assertLess(time.monotonic(), deadline, pl.stderr_text())
            time.sleep(0.05)

    def assert_none_lost(self, *paths):
        got = []
        for p in paths:
            got += state_events(p)
        self.assertEqual(got, self.want)

    def assert_owned(self, path):
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (self.uid, self.gid))
        self.assertEqual(stat.S_IMODE(st.st_mode) & 0o137, 0)

    def test_rename_and_sighup(self):
        pl = self.start()
        self.toggle(pl, 2)
        self.wait_lines(pl, self.events, 2)
        rotated = self.events + ".1"
        os.rename(self.events, rotated)
        self.toggle(pl, 1)  # between logrotate's rename and its SIGHUP
        pl.sighup()
        self.toggle(pl, 4)
        new = self.wait_lines(pl, self.events, 5)
        self.assertEqual(new, self.want[2:])
        self.assertEqual(state_events(rotated), self.want[:2])
        self.assert_none_lost(rotated, self.events)
        self.assert_owned(self.events)
        err = pl.stderr_text()
        self.assertIn("configuration reloaded", err)
        self.assertNotIn("Permission denied", err)
        self.assertNotIn("events: cannot", err)
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, err)

    def test_copytruncate(self):
        pl = self.start()
        self.toggle(pl, 2)
        self.wait_lines(pl, self.events, 2)
        copy = self.events + ".1"
        shutil.copyfile(self.events, copy)
        os.truncate(self.events, 0)
        self.toggle(pl, 3)
        self.assertEqual(self.wait_lines(pl, self.events, 3), self.want[2:])
        with open(self.events, "rb") as f:
            self.assertTrue(f.read().startswith(b'{"time":'))
        self.assert_none_lost(copy, self.events)

    def test_delete_without_signal(self):
        pl = self.start()
        self.toggle(pl, 2)
        self.wait_lines(pl, self.events, 2)
        os.unlink(self.events)
        self.toggle(pl, 3)
        self.assertEqual(self.wait_lines(pl, self.events, 3), self.want[2:])
        self.assert_owned(self.events)
        self.assertNotIn("events: cannot", pl.stderr_text())

    def test_logrotate_with_the_shipped_snippet(self):
        if not shutil.which("logrotate"):
            self.skipTest("logrotate is not installed (make deps)")
        pl = self.start()
        self.toggle(pl, 2)
        self.wait_lines(pl, self.events, 2)
        with open(SNIPPET) as f:
            text = f.read()
        # Only where it rotates and whom it signals change.
        text = text.replace("/var/log/pilotlight/", self.log + "/")
        text, n = re.subn(r"systemctl kill [^\n]*", "kill -HUP %d" % pl.pid,
                          text)
        self.assertEqual(n, 1)
        conf = os.path.join(self.dir, "logrotate.conf")
        with open(conf, "w") as f:
            f.write(text)
        r = subprocess.run(["logrotate", "-v", "-f", "-s",
                            os.path.join(self.dir, "logrotate.state"), conf],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        rotated = self.events + ".1"  # delaycompress: not yet compressed
        self.assertEqual(state_events(rotated), self.want)
        self.wait_log(pl, "configuration reloaded")  # the postrotate HUP
        self.toggle(pl, 3)
        self.assertEqual(self.wait_lines(pl, self.events, 3), self.want[2:])
        self.assert_none_lost(rotated, self.events)
        self.assert_owned(self.events)

    def test_unwritable_directory_holds_then_writes(self):
        pl = self.start()
        self.toggle(pl, 1)
        self.wait_lines(pl, self.events, 1)
        rotated = self.events + ".1"
        os.rename(self.events, rotated)
        os.chmod(self.log, 0o550)  # the service user may not create
        self.toggle(pl, 3)
        self.wait_log(pl, "events: cannot write")
        self.assertFalse(os.path.exists(self.events))
        os.chmod(self.log, 0o750)
        self.toggle(pl, 1)  # written at once, the held ones first
        self.assertEqual(self.wait_lines(pl, self.events, 4), self.want[1:])
        self.assert_none_lost(rotated, self.events)
        err = pl.stderr_text()
        self.assertEqual(len(re.findall(
            r"events: cannot write %s: Permission denied; holding up to "
            r"\d+ events in memory" % re.escape(self.events), err)), 1, err)
        self.assertIn("events: writing %s again" % self.events, err)

    def test_sandboxed_filesystem(self):
        # ProtectSystem=strict: / read-only; LogsDirectory=: the log
        # directory writable.  The config and the state directory are
        # read-only then too (the unit's StateDirectory is writable, but
        # nothing here writes state).
        wrapper = os.path.join(self.dir, "sandboxed")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec unshare -m sh -c 'mount --make-rprivate"
                    " / && mount -o remount,bind,ro / && mount --bind -o ro"
                    " \"$0\" \"$0\" && mount --bind \"$1\" \"$1\" &&"
                    " mount -o remount,bind,rw \"$1\" && shift &&"
                    " exec \"$@\"' %s %s %s \"$@\"\n"
                    % (self.dir, self.log, os.path.abspath(BINARY)))
        os.chmod(wrapper, stat.S_IRWXU)
        pl = self.start(wrapper)
        self.toggle(pl, 1)
        self.wait_lines(pl, self.events, 1)
        rotated = self.events + ".1"
        os.rename(self.events, rotated)
        pl.sighup()
        self.toggle(pl, 2)
        self.wait_lines(pl, self.events, 2)
        os.unlink(self.events)
        self.toggle(pl, 2)
        self.assertEqual(self.wait_lines(pl, self.events, 2), self.want[3:])
        self.assertEqual(state_events(rotated), self.want[:1])
        err = pl.stderr_text()
        self.assertNotIn("events: cannot", err)
        # It ran in the sandbox: outside the log directory is read-only.
        with open("/proc/%d/mountinfo" % pl.pid) as f:
            mounts = f.read()
        self.assertRegex(mounts, r" %s ro[, ]" % re.escape(self.dir))
        self.assertRegex(mounts, r" %s rw[, ]" % re.escape(self.log))

    def test_directory_the_user_cannot_write_is_a_start_error(self):
        rootdir = os.path.join(self.dir, "rootlog")
        os.mkdir(rootdir, 0o755)
        path = os.path.join(rootdir, "events.jsonl")
        cfg = self.write_cfg(events=path)
        r = subprocess.run([BINARY, "-f", "--panel=json", "-c", cfg,
                            "--user", self.user],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("events: cannot open %s: Permission denied" % path,
                      r.stderr)


if __name__ == "__main__":
    test_main()
