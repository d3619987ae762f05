"""Black-box test: a checked server's reply cannot hold the daemon's loop
through its regular expression (issue 13, item 3).

Servers on 127.0.0.1 (threads of this test) answer replies built against
the pattern (a+)+\\1b, which a backtracking matcher without a bound takes
ages over:
  - http  "plain":   2000 x 'a' (the issue's reply; PCRE2 sees at once
    that there is no 'b') -> CRITICAL "body does not match '(a+)+\\1b'";
  - http  "hostile": 2000 x 'a' then "cb" -> CRITICAL
    "body_regex: match limit exceeded";
  - tcp   "banner":  the same as a banner, expect_regex -> CRITICAL
    "expect_regex: match limit exceeded".
Throughout, /healthz answers every request (each within a generous 5 s;
the slowest answer and the loop's worst timer lateness are printed, the
figures are tests/bench/regex's business), the status LED and
/metrics show CRITICAL, the events file carries the reasons, and SIGTERM
stops the daemon with exit 0.

Run: python3 tests/blackbox/hostile_regex.py --binary BUILD/pilotlight
"""

import http.server
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"

PATTERN = "(a+)+\\\\1b"  # (a+)+\1b once libconfig unescapes it
HOSTILE = b"a" * 2000 + b"cb"

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "1s"; timeout = "900ms"; fail_after = 1; }};
hosts = (
	{{ name = "lo"; address = "127.0.0.1";
	  checks = (
		{{ type = "http"; name = "plain";
		  url = "http://127.0.0.1:{web}/plain";
		  body = "{pat}"; body_regex = true; }},
		{{ type = "http"; name = "hostile";
		  url = "http://127.0.0.1:{web}/hostile";
		  body = "{pat}"; body_regex = true; }},
		{{ type = "tcp"; name = "banner"; port = {tcp};
		  expect = "{pat}"; expect_regex = true; }}
	  ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
}};
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; }};
events = {{ file = "{events}"; syslog = false; rate_limit = 100; }};
"""

WANT = {
    "plain": "body does not match '(a+)+\\1b'",
    "hostile": "body_regex: match limit exceeded",
    "banner": "expect_regex: match limit exceeded",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


class Web(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = HOSTILE if self.path == "/hostile" else b"a" * 2000
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def banner_server(srv, stop):
    """Sends HOSTILE on each connection and keeps it open a while."""
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = srv.accept()
        except OSError:
            continue
        try:
            c.sendall(HOSTILE)
            c.settimeout(3)
            c.recv(16)
        except OSError:
            pass
        finally:
            c.close()


class HostileRegex(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-regex-")
        self.port = free_port()
        self.events = os.path.join(self.dir, "events.jsonl")
        self.web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Web)
        self.web.daemon_threads = True
        threading.Thread(target=self.web.serve_forever, daemon=True).start()
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.stop = threading.Event()
        threading.Thread(target=banner_server, args=(self.tcp, self.stop),
                         daemon=True).start()
        cfg = os.path.join(self.dir, "site.cfg")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(web=self.web.server_address[1],
                                  tcp=self.tcp.getsockname()[1],
                                  port=self.port, events=self.events,
                                  pat=PATTERN))
        self.pl = PilotlightProc(BINARY, cfg)
        self.base = "http://127.0.0.1:%d" % self.port

    def tearDown(self):
        self.pl.close()
        self.stop.set()
        self.web.shutdown()
        self.web.server_close()
        self.tcp.close()
        shutil.rmtree(self.dir)

    def reasons(self):
        """The last CRITICAL reason per check from the events file."""
        got = {}
        try:
            with open(self.events) as f:
                for line in f:
                    e = json.loads(line)
                    if e.get("new_state") == "CRITICAL":
                        got[e["check"]] = e["reason"]
        except OSError:
            pass
        return got

    def test_loop_stays_responsive(self):
        want = dict(WANT)
        answered, worst = 0, 0.0
        deadline = time.monotonic() + 30
        # Up: /healthz answers.
        while True:
            try:
                get(self.base + "/healthz", timeout=1)
                break
            except OSError:
                self.assertTrue(self.pl.alive(), self.pl.stderr_text())
                self.assertLess(time.monotonic(), deadline,
                                "/healthz never answered")
                time.sleep(0.2)
        # Every check gets to CRITICAL with its reason while /healthz
        # keeps answering, and a few more rounds run after that.
        settled = None
        while settled is None or time.monotonic() < settled + 4:
            t0 = time.monotonic()
            status, text = get(self.base + "/healthz", timeout=5)
            worst = max(worst, time.monotonic() - t0)
            answered += 1
            self.assertEqual((status, text), (200, "ok\n"))
            if settled is None and self.reasons() == want:
                settled = time.monotonic()
            self.assertLess(time.monotonic(), deadline,
                            "reasons %s, want %s\n%s" % (
                                self.reasons(), want,
                                self.pl.stderr_text()[-2000:]))
            time.sleep(0.05)
        print("/healthz answered %d times, slowest %.1f ms"
              % (answered, worst * 1000))
        self.assertEqual(self.reasons(), want)
        _, text = get(self.base + "/metrics")
        lag = [line for line in text.splitlines()
               if line.startswith("pilotlight_loop_lag_seconds ")]
        print("worst timer lateness since the start (/metrics): %s s"
              % (lag[0].split()[1] if lag else "?"))
        for name, kind in (("plain", "http"), ("hostile", "http"),
                           ("banner", "tcp")):
            self.assertIn('pilotlight_check_state{check="%s",host="lo",'
                          'type="%s"} 2' % (name, kind), text)
        view, _ = self.pl.wait_view(
            lambda v: led(v, "status")["state"] == "CRITICAL", timeout=5)
        self.assertEqual(led(view, "status")["color"], "red")
        code, _ = self.pl.sigterm(timeout=10)
        self.assertEqual(code, 0, self.pl.stderr_text()[-2000:])
        self.assertNotIn("ERROR", self.pl.stderr_text())


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    test_main()
