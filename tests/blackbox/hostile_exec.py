"""Black-box test: no process an exec check starts outlives its timeout,
its check or the daemon, even when it detaches with setsid().

Each plugin is a shell script that starts detached children the two
usual ways, `setsid CMD &` and a double fork `(setsid CMD &)` (orphaned
while the plugin still runs), each child writing its own pid to a file:

  - a plugin that then sleeps past its timeout: the check is UNKNOWN,
    "timeout after 2000 ms" (SIGUSR1's state dump), and the detached pids
    and the plugin are gone;
  - a plugin that exits 0 leaving them: the check is OK and they are gone;
  - SIGTERM to the daemon while a plugin and its detached children run:
    exit 0, and no pid a script recorded is left.

Every case runs with the daemon as root and again dropped to an
unprivileged user (`--user nobody`), which the children run as too.
"Gone" is polled with a generous wait; a zombie counts as still there.
"""

import os
import shutil
import signal
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"

# $1: where the pid files go.  Waits until both children wrote theirs.
DETACH = """#!/bin/sh
setsid sh -c 'echo $$ >"$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1000' \\
    sh "$1/a.pid" &
(setsid sh -c 'echo $$ >"$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1000' \\
    sh "$1/b.pid" &)
while [ ! -e "$1/a.pid" ] || [ ! -e "$1/b.pid" ]; do sleep 0.05; done
echo $$ >"$1/plugin.pid.tmp"; mv "$1/plugin.pid.tmp" "$1/plugin.pid"
"""

PLUGINS = {
    "hang": DETACH + "exec sleep 1000\n",
    "ok": DETACH + "echo 'DETACH OK'\nexit 0\n",
}

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "h"; address = "127.0.0.1";
	  checks = ( {{ type = "exec"; interval = "{interval}";
		       timeout = "{timeout}";
		       command = ["{plugin}", "{piddir}"]; }} ); }}
);
indicators = {{
	leds = ( {{ name = "h"; shows = "host:h"; red = 17; green = 27; }} );
}};
"""


def alive(pid):
    """Running or a zombie: /proc/PID exists and is not reaped."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "X"
    except (OSError, IndexError):
        return False


def wait_gone(pids, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def wait_file(path, timeout=20):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise TimeoutError("%s never appeared" % path)
        time.sleep(0.05)
    with open(path) as f:
        return int(f.read())


class Base(unittest.TestCase):
    user = "root"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-hexec-")
        os.chmod(self.dir, 0o755)
        self.piddir = os.path.join(self.dir, "pids")
        os.mkdir(self.piddir)
        os.chmod(self.piddir, 0o1777)   # the plugin may run as nobody
        self.leftover = []

    def tearDown(self):
        # Whatever a failed run left, this test started: end it.
        for pid in self.leftover:
            if alive(pid):
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, kind, timeout="2s", interval="1h"):
        plugin = os.path.join(self.dir, kind)
        with open(plugin, "w") as f:
            f.write(PLUGINS[kind])
        os.chmod(plugin, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP |
                 stat.S_IROTH | stat.S_IXOTH)
        cfg = os.path.join(self.dir, "pl.cfg")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(interval=interval, timeout=timeout,
                                  plugin=plugin, piddir=self.piddir))
        return PilotlightProc(BINARY, cfg, user=self.user)

    def children(self, pl):
        """The detached children's pids and the plugin's."""
        try:
            pids = [wait_file(os.path.join(self.piddir, n))
                    for n in ("a.pid", "b.pid", "plugin.pid")]
        except TimeoutError as e:
            self.fail("%s; pilotlight's log:\n%s"
                      % (e, pl.stderr_text()[-2000:]))
        self.leftover += pids
        return pids

    def wait_reason(self, pl, text, timeout=20):
        """SIGUSR1 until the state dump shows the check's reason."""
        end = time.monotonic() + timeout
        while text not in pl.stderr_text():
            if time.monotonic() > end:
                self.fail("no %r in the log:\n%s"
                          % (text, pl.stderr_text()[-2000:]))
            pl.signal(signal.SIGUSR1)
            time.sleep(0.5)

    def test_timeout_kills_detached_children(self):
        with self.start("hang", timeout="2s") as pl:
            pids = self.children(pl)
            self.wait_reason(pl, "check h/exec: UNKNOWN (timeout after "
                             "2000 ms)")
            self.assertEqual(led(pl.last_view(), "h")["state"], "UNKNOWN")
            self.assertEqual(wait_gone(pids), [])
            self.assertTrue(pl.alive())
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, pl.stderr_text())

    def test_check_that_ends_leaves_nothing(self):
        with self.start("ok", timeout="20s") as pl:
            pids = self.children(pl)
            v, _ = pl.wait_view(lambda v: led(v, "h")["state"] == "OK",
                                timeout=20)
            self.assertEqual(wait_gone(pids), [])
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, pl.stderr_text())

    def test_sigterm_leaves_nothing(self):
        with self.start("hang", timeout="60s") as pl:
            pids = self.children(pl)
            self.assertEqual([p for p in pids if alive(p)], pids)
            code, _ = pl.sigterm()
            self.assertEqual(code, 0, pl.stderr_text())
            self.assertEqual(wait_gone(pids), [])


class AsRoot(Base):
    user = "root"


class AsNobody(Base):
    user = "nobody"


del Base

if __name__ == "__main__":
    test_main()
