"""Run the real pilotlight binary and watch its panel, as a person would.

PilotlightProc starts `pilotlight -f --panel=json -c CONFIG` (optionally
inside a network namespace), reads the JSON panel lines from stdout in a
thread, stamps each with time.monotonic() on arrival, and lets a test wait
for a view that satisfies a predicate, press the virtual button (a line on
stdin), send signals and collect the exit status.

A panel view is the dict the json panel prints:
  {"time": ..., "mono_ms": ..., "leds": [{"name", "state", "color",
   "pattern"}, ...], "buzzer": "off", "backlight": true, "page": "summary",
   "lcd": ["row0", "row1", ...]}  and a last one with "stopped": true.
"""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time


class PilotlightProc:
    def __init__(self, binary, config_path, netns=None, extra_args=()):
        self.config_path = config_path
        self.views = []          # (arrival monotonic time, view dict)
        self.cond = threading.Condition()
        self.stderr_file = tempfile.NamedTemporaryFile(
            prefix="pilotlight-stderr-", suffix=".log", delete=False)
        cmd = [os.path.abspath(binary), "-f", "--panel=json",
               "-c", config_path, *extra_args]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr_file, bufsize=0)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            now = time.monotonic()
            try:
                view = json.loads(line)
            except ValueError:
                view = {"unparsed": line.decode(errors="replace")}
            with self.cond:
                self.views.append((now, view))
                self.cond.notify_all()

    # ---- what the panel shows ---------------------------------------
    def wait_view(self, pred, timeout, since=None):
        """First view (arrival time, view) after `since` (a monotonic
        time, default: any) for which pred(view) is true; raises
        AssertionError with the last view on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, v in self.views:
                    if (since is None or t >= since) and pred(v):
                        return t, v
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and \
                        not self.reader.is_alive():
                    last = self.views[-1][1] if self.views else None
                    raise AssertionError(
                        "no matching panel view within %.1fs; last: %s\n"
                        "stderr:\n%s" % (timeout, last, self.stderr()))
                self.cond.wait(min(left, 0.1))

    def last_view(self):
        with self.cond:
            return self.views[-1][1] if self.views else None

    def stderr(self):
        with open(self.stderr_file.name, errors="replace") as f:
            return f.read()

    # ---- what a person does -----------------------------------------
    def press(self, kind="short"):
        self.proc.stdin.write(kind.encode() + b"\n")
        self.proc.stdin.flush()

    def signal(self, signo):
        self.proc.send_signal(signo)

    def sighup(self):
        self.signal(signal.SIGHUP)

    def stop(self, timeout=5.0):
        """SIGTERM; returns (exit status, seconds until exit)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(2)
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(2)
        os.unlink(self.stderr_file.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def led(view, name):
    """The LED called name in a view, or None."""
    for entry in view.get("leds", []):
        if entry["name"] == name:
            return entry
    return None


def lcd_text(view):
    return "\n".join(view.get("lcd", []))
