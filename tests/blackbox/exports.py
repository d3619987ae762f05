"""Black-box test of the exports, driving the real binary on loopback.

  - /metrics passes `promtool check metrics`; /healthz says ok; / shows the
    LEDs, the LCD and the checks, escaped;
  - a real Prometheus server scrapes it and a PromQL query through its HTTP
    API returns the ping RTT series;
  - a webhook receiver that is down at first still gets the alert once it
    is up (retries with backoff);
  - the events file gets one JSON line per state change;
  - garbage requests, oversized headers and clients that send a byte a
    second neither stall the probes and the panel nor stop another scrape
    from answering at once, and the slow clients are cut off;
  - SIGHUP: a broken file shows on /metrics, a new listen address is
    taken over;
  - a metrics port already taken is a start-up error naming the address;
  - config/'s Prometheus rules and config pass promtool, the Grafana
    dashboard's queries are valid PromQL, and every metric they name is
    one the daemon exports.

Traffic goes to 127.0.0.1 only.  Run: python3 tests/blackbox/exports.py
--binary BUILD/pilotlight (as root: the ping check needs ICMP).
"""

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, test_main  # noqa: E402

BINARY = "build/pilotlight"

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "lo"; address = "127.0.0.1";
	  checks = (
		{{ type = "ping"; count = 3; interval = "1s"; timeout = "500ms"; }},
		{{ type = "exec"; command = ["/bin/sh", "-c", "echo '<b>down</b>'; exit 2"];
		  interval = "1s"; timeout = "500ms"; fail_after = 1; }}
	  ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
	lcd = {{ bus = 1; address = 0x27; cols = 16; rows = 2;
		pages = ["summary", "hosts", "system"]; page_interval = "1s"; }};
}};
metrics = {{ enabled = true; listen = "127.0.0.1:{port}"; top_hosts = 3; }};
events = {{ file = "{events}"; syslog = false; rate_limit = 100; }};
webhooks = (
	{{ name = "rx"; url = "http://127.0.0.1:{hook}/alert"; format = "generic";
	  min_state = "warning"; retry = "1s"; max_retries = 20; }}
);
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers, r.read().decode()


class Receiver(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append((self.path, dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Exports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pl-exports-")
        cls.port = free_port()
        cls.hook_port = free_port()
        cls.events = os.path.join(cls.dir, "events.jsonl")
        cls.cfg = os.path.join(cls.dir, "site.cfg")
        with open(cls.cfg, "w") as f:
            f.write(CONFIG.format(port=cls.port, events=cls.events,
                                  hook=cls.hook_port))
        cls.pl = PilotlightProc(BINARY, cls.cfg)
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.receiver = None
        deadline = time.monotonic() + 10
        while True:
            try:
                _, _, text = get(cls.base + "/metrics")
                if "pilotlight_ping_rtt_avg_seconds{" in text:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or not cls.pl.alive():
                raise AssertionError("no RTT on /metrics:\n" +
                                     cls.pl.stderr_text())
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.pl.close()
        if cls.receiver:
            cls.receiver.shutdown()
            cls.receiver.server_close()
        shutil.rmtree(cls.dir)

    def metrics(self):
        return get(self.base + "/metrics")[2]

    def sample(self, text, prefix):
        for line in text.splitlines():
            if line.startswith(prefix):
                return float(line.rsplit(" ", 1)[1])
        return None

    def test_a_promtool_and_pages(self):
        status, headers, text = get(self.base + "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith(
            "text/plain; version=0.0.4"))
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rtt = self.sample(text, 'pilotlight_ping_rtt_avg_seconds{'
                          'check="lo/ping",host="lo"}')
        self.assertGreater(rtt, 0)
        self.assertLess(rtt, 0.1)
        self.assertEqual(self.sample(
            text, 'pilotlight_ping_loss_ratio{check="lo/ping"'), 0)
        self.assertIn('pilotlight_build_info{version="', text)
        self.assertEqual(get(self.base + "/healthz")[2], "ok\n")
        deadline = time.monotonic() + 5
        while True:
            status, headers, page = get(self.base + "/")
            if "waiting for first result" not in page:
                break
            self.assertLess(time.monotonic(), deadline, page)
            time.sleep(0.2)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("<td>status</td>", page)
        self.assertIn("&lt;b&gt;down&lt;/b&gt;", page)
        self.assertNotIn("<b>down", page)
        self.assertIn("<td>lo/exec</td>", page)
        self.assertIn('<pre class="lcd">', page)
        with self.assertRaises(urllib.error.HTTPError) as e:
            get(self.base + "/nope")
        self.assertEqual(e.exception.code, 404)

    def test_b_webhook_after_receiver_was_down(self):
        # The exec check went CRITICAL within a second of the start; the
        # receiver has been down since: the alert waits in the queue.
        deadline = time.monotonic() + 5
        while self.sample(self.metrics(), "pilotlight_webhook_queue_length"
                          '{webhook="rx"}') != 1:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)
        time.sleep(1.5)
        Receiver.got = []
        srv = http.server.HTTPServer(("127.0.0.1", self.hook_port), Receiver)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        type(self).receiver = srv
        deadline = time.monotonic() + 20
        while not Receiver.got:
            self.assertLess(time.monotonic(), deadline,
                            "no webhook within 20 s of the receiver start")
            time.sleep(0.1)
        path, headers, body = Receiver.got[0]
        self.assertEqual(path, "/alert")
        self.assertEqual(headers["Content-Type"], "application/json")
        ev = json.loads(body)
        self.assertEqual(ev["kind"], "state")
        self.assertEqual(ev["check"], "lo/exec")
        self.assertEqual(ev["new_state"], "CRITICAL")
        self.assertEqual(self.sample(self.metrics(),
                                     'pilotlight_webhook_sent_total'
                                     '{webhook="rx"}'), 1)

    def test_c_events_file(self):
        with open(self.events) as f:
            lines = [json.loads(x) for x in f]
        crit = [e for e in lines if e["check"] == "lo/exec"]
        self.assertEqual(crit[0]["new_state"], "CRITICAL")
        self.assertEqual(crit[0]["reason"], "<b>down</b>")
        for e in lines:
            self.assertEqual(sorted(e), sorted([
                "time", "epoch", "seq", "kind", "check", "old_state",
                "new_state", "metric", "value", "threshold", "reason",
                "detail"]))

    @unittest.skipUnless(shutil.which("prometheus"), "prometheus missing")
    def test_d_prometheus_scrapes(self):
        pport = free_port()
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: pilotlight\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % self.port)
        log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        prom = subprocess.Popen(
            ["prometheus", "--config.file=" + conf,
             "--storage.tsdb.path=" + os.path.join(self.dir, "tsdb"),
             "--web.listen-address=127.0.0.1:%d" % pport],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            q = urllib.parse.urlencode(
                {"query": 'pilotlight_ping_rtt_avg_seconds{check="lo/ping"}'})
            url = "http://127.0.0.1:%d/api/v1/query?%s" % (pport, q)
            deadline = time.monotonic() + 30
            result = []
            while not result:
                self.assertLess(time.monotonic(), deadline,
                                "Prometheus has no RTT series")
                time.sleep(0.5)
                try:
                    data = json.loads(get(url)[2])
                except OSError:
                    continue
                result = data["data"]["result"]
            self.assertEqual(result[0]["metric"]["host"], "lo")
            self.assertGreater(float(result[0]["value"][1]), 0)
            # Every query of the Grafana dashboard is valid PromQL.
            for expr in dashboard_exprs():
                q = urllib.parse.urlencode({"query": expr})
                data = json.loads(get("http://127.0.0.1:%d/api/v1/query?%s"
                                      % (pport, q))[2])
                self.assertEqual(data["status"], "success", expr)
        finally:
            prom.terminate()
            prom.wait(10)
            log.close()

    def test_e_hostile_clients(self):
        slow = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.port))
            slow.append(s)
        stop = threading.Event()

        def dribble():
            req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60
            for i in range(len(req)):
                if stop.is_set():
                    return
                for s in slow:
                    try:
                        s.send(req[i:i + 1])
                    except OSError:
                        pass
                time.sleep(1)

        t = threading.Thread(target=dribble, daemon=True)
        t.start()
        t0 = time.monotonic()
        # Garbage, and headers past the 16 KiB limit.
        for junk in (b"\x00\xff garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 70000 +
                     b"\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", self.port)) as s:
                s.settimeout(3)
                try:
                    s.sendall(junk)
                    answer = s.recv(100)
                except OSError:
                    answer = b""
                self.assertTrue(answer == b"" or answer.startswith(b"HTTP/1."),
                                answer)
        # While the slow clients hang on: prompt scrapes, a moving panel.
        for _ in range(5):
            # The slow clients hang on far longer than this timeout.
            text = get(self.base + "/metrics", timeout=5)[2]
            self.assertIn("pilotlight_check_state{", text)
            time.sleep(1)
        views = [v for tv, v in list(self.pl.views) if tv >= t0]
        self.assertGreaterEqual(len(views), 3, "the panel stopped updating")
        # The server cuts clients that take too long over a request.
        deadline = t0 + 15
        for s in slow:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = s.recv(100)
            except socket.timeout:
                self.fail("a slow client was not cut off within 15 s")
            except OSError:
                data = b""
            self.assertFalse(data.startswith(b"HTTP/1.1 200"))
            s.close()
        stop.set()
        self.assertIn("pilotlight_check_state{", self.metrics())

    def test_f_reload(self):
        # A broken file: still serving, the failure on /metrics and in
        # the events file.
        with open(self.cfg, "a") as f:
            f.write("metrics = {\n")
        self.pl.sighup()
        deadline = time.monotonic() + 5
        while self.sample(self.metrics(), "pilotlight_config_last_reload_"
                          "successful ") != 0:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        # A good one on another port: the old port is closed.
        port = free_port()
        with open(self.cfg, "w") as f:
            f.write(CONFIG.format(port=port, events=self.events,
                                  hook=self.hook_port))
        self.pl.sighup()
        base = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 5
        while True:
            try:
                text = get(base + "/metrics")[2]
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)
        self.assertEqual(self.sample(text, "pilotlight_config_last_reload_"
                                     "successful "), 1)
        with self.assertRaises(OSError):
            get(self.base + "/healthz")
        type(self).base = base
        with open(self.events) as f:
            reloads = [json.loads(x) for x in f if '"reload"' in x]
        self.assertEqual(len(reloads), 2)
        self.assertIn("site.cfg:21: ", reloads[0]["reason"])
        self.assertEqual(reloads[1]["reason"], "configuration reloaded")


REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def dashboard_exprs():
    """The dashboard's queries with Grafana's variables filled in."""
    with open(os.path.join(REPO, "config", "grafana-dashboard.json")) as f:
        dash = json.load(f)
    for p in dash["panels"]:
        for t in p["targets"]:
            yield (t["expr"].replace("$instance", ".*")
                   .replace("$__rate_interval", "1m")
                   .replace("$__range", "5m"))


class FleetFiles(unittest.TestCase):
    """config/'s Prometheus and Grafana files: valid, and every metric
    they name is one the daemon exports."""

    def exported_names(self):
        names = set()
        d = os.path.join(REPO, "src", "exports")
        for fn in os.listdir(d):
            if fn.endswith(".c"):
                with open(os.path.join(d, fn)) as f:
                    names |= set(re.findall(r'"(pilotlight_[a-z_]+)"',
                                            f.read()))
        return names

    def test_names_exist(self):
        known = self.exported_names()
        for fn in ("pilotlight.rules.yml", "grafana-dashboard.json"):
            with open(os.path.join(REPO, "config", fn)) as f:
                used = set(re.findall(r"pilotlight_[a-z_]+", f.read()))
            used -= {"pilotlight_checks", "pilotlight_traffic",
                     "pilotlight_self"}
            self.assertEqual(used - known, set(), fn)

    @unittest.skipUnless(shutil.which("promtool"), "promtool missing")
    def test_promtool(self):
        for args in (["check", "rules", "pilotlight.rules.yml"],
                     ["check", "config", "prometheus.yml"]):
            r = subprocess.run(["promtool"] + args, capture_output=True,
                               text=True, timeout=30,
                               cwd=os.path.join(REPO, "config"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class StartErrors(unittest.TestCase):
    def test_port_in_use(self):
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            d = tempfile.mkdtemp(prefix="pl-exports-")
            try:
                cfg = os.path.join(d, "site.cfg")
                with open(cfg, "w") as f:
                    f.write('hosts = ();\nmetrics = { enabled = true; '
                            'listen = "127.0.0.1:%d"; };\n' % port)
                r = subprocess.run([BINARY, "-f", "--panel=json", "-c", cfg,
                                    "--user", "root"],
                                   capture_output=True, text=True,
                                   timeout=10, stdin=subprocess.DEVNULL)
            finally:
                shutil.rmtree(d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("metrics: cannot listen on 127.0.0.1:%d: Address "
                      "already in use" % port, r.stderr)


if __name__ == "__main__":
    test_main()
