"""Run the real pilotlight binary and watch its panel, as a person would.

PilotlightProc starts `pilotlight -f --panel=json -c CONFIG --user root`
(user=None: no --user, daemon.user decides) inside a network namespace
when netns is given (tests/lib/netlab.py's Lab.run_pilotlight() does that
for the lab's monitor), reads the JSON panel
lines from stdout in a thread, stamps each with time.monotonic() on arrival,
and lets a test wait for a view that satisfies a predicate, press the
virtual button (a line on stdin), send signals and collect the exit status.

A panel view is the dict the json panel prints:
  {"time": ..., "mono_ms": ..., "leds": [{"name", "state", "color",
   "pattern"}, ...], "buzzer": "off", "backlight": true, "page": "summary",
   "lcd": ["row0", "row1", ...]}  and a last one with "stopped": true.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest


class PilotlightProc:
    """The real binary with a JSON (or other) panel, optionally inside a
    network namespace.  Views arrive as (monotonic arrival time, dict)."""

    def __init__(self, binary, cfg, panel="json", args=(), env=None,
                 netns=None, stderr_path=None, user="root"):
        self.cfg = cfg
        self._own_stderr = stderr_path is None
        if stderr_path is None:
            fd, stderr_path = tempfile.mkstemp(prefix="pilotlight-",
                                               suffix=".stderr")
            os.close(fd)
        self.stderr_path = stderr_path
        self.views = []
        self.other_lines = []
        self.started = time.monotonic()
        self._cond = threading.Condition()
        self._eof = False
        argv = ["ip", "netns", "exec", netns] if netns else []
        if threading.current_thread() is threading.main_thread():
            argv += ["setpriv", "--pdeathsig", "KILL", "--"]
        argv += [os.path.abspath(binary), "--panel=%s" % panel, "-f",
                 "-c", cfg] + list(args)
        # As root the daemon drops to daemon.user (default "pilotlight")
        # after opening its devices; tests run as root and keep it unless
        # they ask for a user (tests/blackbox/privileges.py does).
        if user is not None:
            argv += ["--user", user]
        errf = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=errf,
                                         env=env)
        finally:
            errf.close()
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            t = time.monotonic()
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            with self._cond:
                if isinstance(obj, dict):
                    self.views.append((t, obj))
                else:
                    self.other_lines.append((t, line))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def alive(self):
        return self.proc.poll() is None

    def press(self, kind="short"):
        self.proc.stdin.write((kind + "\n").encode())
        self.proc.stdin.flush()

    def last_view(self):
        with self._cond:
            return self.views[-1][1] if self.views else None

    def wait_view(self, pred, timeout=10, since=None):
        end = time.monotonic() + timeout
        i = 0
        with self._cond:
            while True:
                while i < len(self.views):
                    t, v = self.views[i]
                    i += 1
                    if since is not None and t < since:
                        continue
                    try:
                        ok = pred(v)
                    except (KeyError, IndexError, TypeError):
                        ok = False
                    if ok:
                        return v, t
                left = end - time.monotonic()
                if left <= 0 or (self._eof and i >= len(self.views)):
                    last = self.views[-1][1] if self.views else None
                    raise TimeoutError(
                        "no matching view within %ss%s; last view: %s\n"
                        "stderr tail:\n%s" % (
                            timeout, " (pilotlight exited)" if self._eof
                            else "", json.dumps(last),
                            self.stderr_text()[-2000:]))
                self._cond.wait(min(left, 0.5))

    def stderr_text(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def signal(self, signo):
        self.proc.send_signal(signo)

    def sighup(self):
        self.proc.send_signal(signal.SIGHUP)

    def wait(self, timeout=None):
        return self.proc.wait(timeout)

    def sigterm(self, timeout=10):
        """SIGTERM; returns (exit code, seconds until it exited)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError("pilotlight still running %ss after SIGTERM"
                               % timeout)
        dt = time.monotonic() - t0
        self._reader.join(2)
        return code, dt

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(2)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._reader.join(2)

    def close(self):
        """Stop it if still running and remove what it left behind."""
        self._kill()
        if self._own_stderr:
            try:
                os.unlink(self.stderr_path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def led(view, name):
    """The LED dict called name in a panel view (KeyError if absent)."""
    for d in view.get("leds", ()):
        if d.get("name") == name:
            return d
    raise KeyError(name)


def lcd_text(view):
    """The LCD rows of a view joined by newlines."""
    return "\n".join(view.get("lcd", []))


def test_main(exit=True):
    """The black-box tests' entry point, as tests/run-all calls them:
    `--binary PATH` (default: the test's BINARY) becomes the test module's
    BINARY, made absolute; every other argument goes to unittest."""
    module = sys.modules["__main__"]
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=getattr(module, "BINARY", None))
    args, rest = ap.parse_known_args()
    if args.binary:
        module.BINARY = os.path.abspath(args.binary)
    return unittest.main(module=module, argv=[sys.argv[0]] + rest,
                         verbosity=2, exit=exit)
