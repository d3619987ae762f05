"""Black-box test: after start-up pilotlight holds no privilege it does not
need, and still works.

The real binary runs as root with daemon.user set to a throw-away system
user this test creates (useradd --system, in the gpio and i2c groups when
they exist; userdel afterwards), exactly as a root start from a shell or
SysV init would.  A second run starts it the way config/pilotlight.service
does: already as that user, with CAP_NET_RAW ambient (setpriv stands in
for systemd).  In both cases, for every thread, /proc/PID/task/*/status
must show:

  Uid/Gid   the user's (real, effective, saved, filesystem)
  Groups    the user's primary group, gpio and i2c (if they exist), no other
  CapEff/CapPrm/CapBnd  CAP_NET_RAW only (kept for capture reopen and
            ICMP sockets of checks added by a reload)
  CapAmb/CapInh(root start)  empty: exec plugins get no capability
  NoNewPrivs 1

and a ping check of 127.0.0.1 must still turn its LED green (the ICMP
socket opened as root keeps working).  A missing user is a clear error
with exit status 1.  Needs root; prints why and passes when not root.
"""

import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
CAP_NET_RAW = 1 << 13

CONFIG = """\
daemon = {{ user = "{user}"; state_dir = "{state}"; }};
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "lo"; address = "127.0.0.1";
	  checks = ( {{ type = "ping"; interval = "1s"; timeout = "500ms"; }} ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
}};
"""


def task_status(pid):
    """{tid: {field: value}} from /proc/PID/task/*/status."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        fields = {}
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                k, _, v = line.partition(":")
                fields[k] = v.strip()
        out[tid] = fields
    return out


class Privileges(unittest.TestCase):
    user = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (useradd, a root start)")
        cls.user = "pltpriv%d" % (os.getpid() % 100000)
        cls.groups = [g for g in ("gpio", "i2c") if _group_exists(g)]
        argv = ["useradd", "--system", "--no-create-home",
                "--shell", "/usr/sbin/nologin", "--user-group"]
        if cls.groups:
            argv += ["--groups", ",".join(cls.groups)]
        subprocess.run(argv + [cls.user], check=True, capture_output=True)
        pw = pwd.getpwnam(cls.user)
        cls.uid, cls.gid = pw.pw_uid, pw.pw_gid
        cls.want_groups = {cls.gid} | {grp.getgrnam(g).gr_gid
                                       for g in cls.groups}
        cls.dir = tempfile.mkdtemp(prefix="pl-priv-")
        os.chmod(cls.dir, 0o755)
        cls.state = os.path.join(cls.dir, "state")
        os.mkdir(cls.state)
        os.chown(cls.state, cls.uid, cls.gid)
        cls.cfg = os.path.join(cls.dir, "site.cfg")
        with open(cls.cfg, "w") as f:
            f.write(CONFIG.format(user=cls.user, state=cls.state))
        os.chmod(cls.cfg, 0o644)

    @classmethod
    def tearDownClass(cls):
        if cls.user:
            subprocess.run(["userdel", cls.user], capture_output=True)
            shutil.rmtree(cls.dir, ignore_errors=True)

    def check_dropped(self, pl, inheritable_ok):
        # Privileges are dropped before the loop runs its first probe, so
        # an OK here was measured unprivileged.
        pl.wait_view(lambda v: led(v, "status")["state"] == "OK",
                     timeout=15)
        tasks = task_status(pl.pid)
        self.assertTrue(tasks)
        for tid, st in tasks.items():
            with self.subTest(tid=tid):
                self.assertEqual(st["Uid"].split(), [str(self.uid)] * 4)
                self.assertEqual(st["Gid"].split(), [str(self.gid)] * 4)
                self.assertEqual({int(g) for g in st["Groups"].split()},
                                 self.want_groups)
                for k in ("CapEff", "CapPrm", "CapBnd"):
                    self.assertEqual(int(st[k], 16), CAP_NET_RAW,
                                     "%s %s" % (k, st[k]))
                self.assertEqual(int(st["CapAmb"], 16), 0)
                if not inheritable_ok:
                    self.assertEqual(int(st["CapInh"], 16), 0)
                self.assertEqual(st["NoNewPrivs"], "1")
        print("pid %d: Uid %s Groups %s CapEff %s CapPrm %s CapBnd %s "
              "CapAmb %s NoNewPrivs %s" % (
                  pl.pid, st["Uid"], st["Groups"], st["CapEff"],
                  st["CapPrm"], st["CapBnd"], st["CapAmb"],
                  st["NoNewPrivs"]))
        code, _ = pl.sigterm()
        self.assertEqual(code, 0, pl.stderr_text())

    def test_root_start_drops_to_user(self):
        with PilotlightProc(BINARY, self.cfg, user=None) as pl:
            self.check_dropped(pl, inheritable_ok=False)
            self.assertIn("running as uid %d gid %d, capabilities "
                          "'cap_net_raw=ep'" % (self.uid, self.gid),
                          pl.stderr_text())

    def test_systemd_style_start_keeps_only_net_raw(self):
        # What User= + AmbientCapabilities=CAP_NET_RAW +
        # CapabilityBoundingSet=CAP_NET_RAW give the process.
        wrapper = os.path.join(self.dir, "as-service")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec setpriv --reuid=%s --regid=%s "
                    "--init-groups --inh-caps=-all,+net_raw "
                    "--ambient-caps=-all,+net_raw "
                    "--bounding-set=-all,+net_raw -- %s \"$@\"\n"
                    % (self.user, self.user, os.path.abspath(BINARY)))
        os.chmod(wrapper, stat.S_IRWXU)
        with PilotlightProc(wrapper, self.cfg, user=None) as pl:
            self.check_dropped(pl, inheritable_ok=True)

    def test_missing_user_is_a_start_error(self):
        r = subprocess.run([BINARY, "-f", "--panel=json", "-c", self.cfg,
                            "--user", "pltnosuchuser"],
                           capture_output=True, text=True, timeout=20,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 1)
        self.assertIn("user 'pltnosuchuser' does not exist (create it or "
                      "set daemon.user)", r.stderr)


def _group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


if __name__ == "__main__":
    test_main()
