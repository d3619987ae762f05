"""Black-box test of fine ping bursts and the measurement stream, driving
the real binary on loopback.

  - a ping check with spacing = "10ms" sends its burst as the wire shows
    it (tcpdump on lo): every burst has `count` echo requests, in
    sequence order; its requests follow each other more closely than
    those of a check left at the default 100 ms (medians, robust to a
    stalled machine; the precise figures are `make bench`'s,
    tests/bench/ping_spacing);
  - the measurement stream gets one line per result, with the expected
    fields and values: loss 0 and rtt > 0 for loopback, ok false and
    CRITICAL with "connection refused" for a closed tcp port;
  - the file renamed away (logrotate): the next lines land in a new file
    and none is lost in between (the seq runs on across both files, and
    matches pilotlight_measurements_written_total); SIGHUP opens the path
    anew; /metrics still passes promtool;
  - stdout mode feeds a pipe reader, and beside the JSON panel (which
    owns stdout) it is refused with FILE:LINE: at start (exit 1) and on
    SIGHUP (the running configuration keeps writing its file).

Traffic goes to loopback addresses only.  Run as root (ICMP, tcpdump):
python3 tests/blackbox/measurements.py --binary BUILD/pilotlight
"""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from echo_capture import bursts, capture_echo_requests, loopback_pair  # noqa: E402,E501
from pilotlight import PilotlightProc, test_main  # noqa: E402

BINARY = "build/pilotlight"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    return free_port()


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=5) as r:
        return r.read().decode()


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def read_lines(path):
    try:
        with open(path) as f:
            return [json.loads(x) for x in f.read().splitlines()]
    except FileNotFoundError:
        return []


def wait_for(pred, timeout, what, pl=None):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s%s" % (
                what, "\n" + pl.stderr_text()[-2000:] if pl else ""))
        time.sleep(0.1)


SPACING_CFG = """\
hosts = (
	{{ name = "fine"; address = "{fine}";
	  checks = ( {{ type = "ping"; count = 10; spacing = "10ms";
		       interval = "2s"; timeout = "500ms"; }} ); }},
	{{ name = "plain"; address = "{plain}";
	  checks = ( {{ type = "ping"; count = 5;
		       interval = "2s"; timeout = "500ms"; }} ); }}
);
"""


class Spacing(unittest.TestCase):
    def test_burst_on_the_wire(self):
        if not shutil.which("tcpdump"):
            self.skipTest("tcpdump not installed")
        fine, plain = loopback_pair()
        d = tempfile.mkdtemp(prefix="pl-meas-")
        cfg = os.path.join(d, "site.cfg")
        with open(cfg, "w") as f:
            f.write(SPACING_CFG.format(fine=fine, plain=plain))
        dump, path = capture_echo_requests([fine, plain])
        try:
            with PilotlightProc(BINARY, cfg) as pl:
                # three whole bursts of each, then the next one started
                wait_for(lambda: len(bursts(path, fine)) >= 4 and
                         len(bursts(path, plain)) >= 4, 60,
                         "four bursts of each check", pl)
        finally:
            dump.send_signal(signal.SIGINT)
            dump.wait(10)
        got_fine = bursts(path, fine)[:3]
        got_plain = bursts(path, plain)[:3]
        for b in got_fine:
            self.assertEqual(len(b), 10, b)
        for b in got_plain:
            self.assertEqual(len(b), 5, b)
        for b in got_fine + got_plain:
            seqs = [s for _, s in b]
            # in order, one after the other (the 16-bit counter may wrap)
            self.assertEqual([(s - seqs[0]) % 65536 for s in seqs],
                             list(range(len(seqs))), seqs)
        gaps = lambda bs: [b[i + 1][0] - b[i][0] for b in bs
                           for i in range(len(b) - 1)]
        med_fine = statistics.median(gaps(got_fine))
        med_plain = statistics.median(gaps(got_plain))
        print("\n  median gap: spacing 10ms %.1f ms, default %.1f ms" %
              (med_fine * 1e3, med_plain * 1e3), file=sys.stderr)
        self.assertLess(med_fine, med_plain)
        os.unlink(path)
        os.unlink(path + ".err")
        shutil.rmtree(d)


STREAM_CFG = """\
hosts = (
	{{ name = "lo"; address = "127.0.0.1";
	  checks = (
		{{ type = "ping"; count = 3; spacing = "10ms"; interval = "1s";
		  timeout = "500ms"; }},
		{{ type = "tcp"; port = {closed}; interval = "1s";
		  timeout = "500ms"; }}
	  ); }}
);
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; }};
measurements = {{
	file = "{file}";
}};
# the first lines are the lab's, not the Pi's own (pi_self.py)
pi = {{ enabled = false; }};
"""


class Stream(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-meas-")
        self.port = free_port()
        self.file = os.path.join(self.dir, "measurements.jsonl")
        self.cfg = os.path.join(self.dir, "site.cfg")
        self.closed = closed_port()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write_cfg(self, file):
        with open(self.cfg, "w") as f:
            f.write(STREAM_CFG.format(closed=self.closed, port=self.port,
                                      file=file))

    def test_file_lines_and_rotation(self):
        self.write_cfg(self.file)
        old = self.file + ".1"
        older = self.file + ".2"
        with PilotlightProc(BINARY, self.cfg) as pl:
            lines = wait_for(lambda: len(read_lines(self.file)) >= 4 and
                             read_lines(self.file), 20, "4 lines", pl)
            pings = [x for x in lines if x["check"] == "lo/ping"]
            tcps = [x for x in lines if x["type"] == "tcp"]
            self.assertTrue(pings and tcps, lines)
            p = pings[0]
            self.assertEqual((p["host"], p["type"], p["state"], p["ok"]),
                             ("lo", "ping", "OK", True))
            self.assertEqual(p["loss_pct"], 0)
            self.assertGreater(p["rtt_ms"], 0)
            self.assertLessEqual(p["rtt_min_ms"], p["rtt_ms"])
            self.assertLessEqual(p["rtt_ms"], p["rtt_max_ms"])
            self.assertIsNone(p["response_time_ms"])
            self.assertRegex(p["time"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertLess(abs(p["epoch"] - time.time()), 3600)
            t = tcps[0]
            self.assertEqual((t["check"], t["state"], t["ok"], t["reason"]),
                             ("lo/tcp:%d" % self.closed, "CRITICAL", False,
                              "connection refused"))
            self.assertIsNone(t["rtt_ms"])
            # logrotate renames: the next lines go to a new file
            os.rename(self.file, old)
            wait_for(lambda: len(read_lines(self.file)) >= 4, 20,
                     "lines in the new file", pl)
            # SIGHUP opens the path anew at once, before any result
            os.rename(self.file, older)
            pl.sighup()
            wait_for(lambda: os.path.exists(self.file), 20,
                     "the file made again on SIGHUP", pl)
            wait_for(lambda: len(read_lines(self.file)) >= 2, 20,
                     "lines after SIGHUP", pl)
            written = sample(metrics(self.port),
                             "pilotlight_measurements_written_total")
            pl.sigterm()
        # none lost: the seq runs on from file to file, without a gap
        seqs = [x["seq"] for f in (old, older, self.file)
                for x in read_lines(f)]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertGreaterEqual(len(seqs), written)

    def test_metrics_and_promtool(self):
        self.write_cfg(self.file)
        with PilotlightProc(BINARY, self.cfg) as pl:
            wait_for(lambda: len(read_lines(self.file)) >= 4, 20,
                     "4 lines", pl)
            text = metrics(self.port)
            n = len(read_lines(self.file))
        written = sample(text, "pilotlight_measurements_written_total")
        # every line in the file was counted, and nothing else
        self.assertIsNotNone(written, text)
        self.assertLessEqual(written, n)
        self.assertGreaterEqual(written, 4)
        self.assertEqual(
            sample(text, "pilotlight_measurements_dropped_total"), 0)
        self.assertIn("# TYPE pilotlight_measurements_dropped_total "
                      "counter\n", text)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_stdout_to_a_pipe(self):
        self.write_cfg("-")
        # the hardware panel without indicators leaves stdout free
        with PilotlightProc(BINARY, self.cfg, panel="hw") as pl:
            pl.wait_view(lambda v: v["check"] == "lo/ping" and
                         v["loss_pct"] == 0, timeout=20)
            pl.wait_view(lambda v: v["type"] == "tcp" and
                         v["state"] == "CRITICAL", timeout=20)
            seqs = [v["seq"] for _, v in pl.views]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))

    def test_stdout_refused_beside_the_json_panel(self):
        self.write_cfg("-")
        with PilotlightProc(BINARY, self.cfg) as pl:
            code = pl.wait(20)
            err = pl.stderr_text()
        self.assertEqual(code, 1)
        self.assertIn("%s:12: measurements 'file' \"-\" is stdout, which "
                      "--panel=json writes; give a file" % self.cfg, err)

    def test_reload_to_stdout_refused_beside_the_json_panel(self):
        self.write_cfg(self.file)
        with PilotlightProc(BINARY, self.cfg) as pl:
            wait_for(lambda: len(read_lines(self.file)) >= 2, 20,
                     "2 lines", pl)
            self.write_cfg("-")
            pl.sighup()
            wait_for(lambda: "reload failed: %s:12: measurements" % self.cfg
                     in pl.stderr_text(), 20, "the reload refused", pl)
            # the old configuration keeps writing the file
            n = len(read_lines(self.file))
            wait_for(lambda: len(read_lines(self.file)) > n, 20,
                     "more lines in the file", pl)
            self.assertTrue(pl.alive())


if __name__ == "__main__":
    test_main()
