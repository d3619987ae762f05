"""Black-box test: /metrics and /healthz stay available to a scraper while
200 slow or idle connections from 20 other addresses hang on them.

In the netlab lab (tests/lib/netlab.py) pilotlight serves its metrics on
the monitor (10.77.0.2:9775).  Two attacker hosts carry ten addresses each
(10.77.0.101-120) and run tests/lib/http_clients.py slowloris: 100
connections that send a request header a byte a second and never finish
it, and 100 that connect and send nothing; a connection the server closes
comes back a second later.  A scraper on 10.77.0.50 meanwhile GETs
/metrics and /healthz every second:

  - without an allow list (the default): for 40 s every scrape and every
    /healthz answers 200 (each within a generous 5 s), while the attackers
    held more connections than the server keeps (metrics.max_connections)
    and had their connections closed by it, which /metrics counts
    (pilotlight_http_connections_dropped_total{reason="shed"});
  - an idle connection is closed by the server (EOF) once
    metrics.request_timeout has passed, counted as reason="timeout";
  - after a SIGHUP with metrics.allow = the scraper's address only: a
    connection from a fourth host (10.77.0.60) is closed at accept without
    an answer, and for 20 s more every scrape still answers while the
    attackers' connections are counted as not_allowed;
  - after all that the daemon exits 0 on SIGTERM.

Traffic stays inside the lab.  Run: python3 tests/blackbox/hostile_exports.py
--binary BUILD/pilotlight (as root: the lab needs it).
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import http_clients  # noqa: E402
import netlab  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "lib", "http_clients.py")
MON = "10.77.0.2"
PORT = 9775
SCRAPER = "10.77.0.50"
STRANGER = "10.77.0.60"
MAX_CONNECTIONS = 64    # the default metrics.max_connections

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "self"; address = "127.0.0.1";
	  checks = ( {{ type = "exec"; command = ["/bin/true"];
		       interval = "1s"; timeout = "500ms"; }} ); }}
);
indicators = {{ leds = ( {{ name = "status"; shows = "all"; red = 17;
			   green = 27; }} ); }};
metrics = {{ enabled = true; listen = "0.0.0.0:{port}";{extra} }};
"""


class HostileExports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = netlab.Lab()
        cls.lab.open()
        try:
            cls.build()
        except BaseException:
            cls.lab.close()
            raise

    @classmethod
    def build(cls):
        lab = cls.lab
        lab.monitor(lan_ip=MON + "/24", capture=False)
        cls.scraper = lab.host("prom", SCRAPER + "/24", ipv6=False)
        cls.stranger = lab.host("stranger", STRANGER + "/24", ipv6=False)
        cls.attackers = [(h, addrs, mode) for (h, addrs), mode in zip(
            http_clients.add_attackers(lab), ("slow", "idle"))]
        cls.pl = lab.run_pilotlight(BINARY, CONFIG.format(port=PORT,
                                                          extra=""))
        cls.base = "http://%s:%d" % (MON, PORT)
        lab.wait_for(lambda: cls.answers("/healthz"), 15,
                     what="/healthz from the scraper")

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    @classmethod
    def answers(cls, path):
        """The body of path fetched by the scraper, or None."""
        r = cls.scraper.run([sys.executable, CLIENTS, "scrape", "--url",
                             cls.base + path, "--seconds", "0.1",
                             "--timeout", "2", "--body"], check=False)
        if r.returncode != 0:
            return None
        res = json.loads(r.stdout.strip().splitlines()[-1])["results"][0]
        return res["body"] if res["status"] == 200 else None

    def scrape(self, seconds):
        """The scraper's results over seconds: one /metrics and one
        /healthz a second."""
        urls = "%s/metrics,%s/healthz" % (self.base, self.base)
        r = self.scraper.run([sys.executable, CLIENTS, "scrape", "--url",
                              urls, "--period", "1", "--seconds",
                              str(seconds), "--timeout", "5"],
                             timeout=seconds * 6 + 30)
        return json.loads(r.stdout.strip().splitlines()[-1])["results"]

    def assert_all_answered(self, results, seconds):
        failed = [r for r in results if r["status"] != 200]
        self.assertEqual(len(failed), 0, "%d of %d requests failed: %s" % (
            len(failed), len(results), json.dumps(failed[:5])))
        self.assertGreaterEqual(len(results), seconds,
                                "the scraper made too few requests")
        metrics = [r for r in results if r["url"].endswith("/metrics")]
        self.assertTrue(all(r["bytes"] > 1000 for r in metrics), metrics)

    def start_attack(self):
        procs, files = [], []
        for h, addrs, mode in self.attackers:
            status = os.path.join(self.lab.dir, "%s.status" % h.name)
            procs.append(h.spawn([sys.executable, CLIENTS, "slowloris",
                                  "--target", MON, "--port", str(PORT),
                                  "--sources", ",".join(addrs),
                                  "--per-source", "10", "--mode", mode,
                                  "--status", status], name="slowloris"))
            files.append(status)
        return procs, files

    def attack_status(self, files):
        total = {}
        for fn in files:
            try:
                with open(fn) as f:
                    st = json.load(f)
            except (OSError, ValueError):
                return None
            for k, v in st.items():
                total[k] = total.get(k, 0) + v
        return total

    def drops(self):
        """pilotlight_http_connections_dropped_total by reason."""
        out = {}
        for line in self.answers("/metrics").splitlines():
            m = re.match(r'pilotlight_http_connections_dropped_total'
                         r'\{reason="(\w+)"\} (\d+)$', line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    def scrape_under_attack(self, seconds, key, above):
        """Start the attackers, wait until their status key is above
        above, scrape for seconds; returns the results and the status."""
        procs, files = self.start_attack()
        try:
            self.lab.wait_for(
                lambda: (self.attack_status(files) or {}).get(key, 0) >
                above, 30, what="the attackers' %s above %d" % (key, above))
            results = self.scrape(seconds)
            return results, self.attack_status(files)
        finally:
            for p in procs:
                self.lab._stop_proc(p)

    def test_a_scrapes_answered_under_slowloris(self):
        # The attackers are in: more connections held than the server
        # keeps.
        results, st = self.scrape_under_attack(40, "max_open",
                                               MAX_CONNECTIONS)
        self.assert_all_answered(results, 40)
        # The server shed them (oldest first, so none lived to its
        # timeout): they were closed and came back, and /metrics counts.
        self.assertGreater(st["closed"], 200, st)
        self.assertEqual(st["answered"], 0, st)
        drops = self.drops()
        self.assertGreater(drops["shed"], 0, drops)
        type(self).shed = drops["shed"]
        worst = max(r["seconds"] for r in results)
        print("\n%d requests under %d attacker connects, slowest %.3f s"
              % (len(results), st["connects"], worst))

    def test_b_idle_connection_closed(self):
        # The scraper's address: not limited by anything but the timeout.
        before = self.drops()["timeout"]
        out = self.scraper.run([sys.executable, "-c", (
            "import socket,time\n"
            "s=socket.create_connection(('%s',%d),timeout=5)\n"
            "s.settimeout(30)\n"
            "t=time.monotonic()\n"
            "d=s.recv(100)\n"
            "print(repr(d), time.monotonic()-t)\n" % (MON, PORT))],
            timeout=60)
        data, waited = out.stdout.split()
        self.assertEqual(data, "b''", "the server answered an empty "
                         "connection instead of closing it")
        self.assertEqual(self.drops()["timeout"], before + 1)
        print("\nidle connection closed after %.1f s" % float(waited))

    def stranger_gets(self):
        """What a GET from the stranger's address gets back: "b'HTTP...",
        "b''" (closed) or "error N" (reset or refused)."""
        out = self.stranger.run([sys.executable, "-c", (
            "import socket\n"
            "try:\n"
            " s=socket.create_connection(('%s',%d),timeout=5)\n"
            " s.settimeout(10)\n"
            " s.sendall(b'GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
            " print(repr(s.recv(100)))\n"
            "except OSError as e:\n"
            " print('error', e.errno)\n" % (MON, PORT))], timeout=30)
        return out.stdout.strip()

    def test_c_allow_list(self):
        self.assertTrue(self.stranger_gets().startswith("b'HTTP/1.1 200"))
        with open(self.pl.cfg, "w") as f:
            f.write(CONFIG.format(port=PORT, extra='\n\tallow = ["%s"];'
                                  % SCRAPER))
        self.pl.sighup()
        # Once the new server is up the stranger is closed at accept.
        # (closed before or after its request arrived: EOF or a reset)
        closed = ("b''", "error 104")
        self.lab.wait_for(lambda: self.stranger_gets() in closed, 10,
                          interval=0.2,
                          what="the stranger to be closed at accept")
        self.assertIn("pilotlight_config_last_reload_successful 1",
                      self.answers("/metrics"))
        for _ in range(5):
            self.assertIn(self.stranger_gets(), closed)
        results, st = self.scrape_under_attack(20, "connects", 200)
        self.assert_all_answered(results, 20)
        self.assertEqual(st["answered"], 0, st)
        # Refusals are counted; the count of the server before the
        # reload is kept.
        drops = self.drops()
        self.assertGreater(drops["not_allowed"], 200, drops)
        self.assertGreaterEqual(drops["shed"], getattr(self, "shed", 1))

    def test_d_clean_exit(self):
        # After all that (and under ASan: no leak, no error) it stops as
        # asked, with exit status 0.
        self.assertTrue(self.pl.alive())
        code, _ = self.pl.sigterm(timeout=20)
        self.assertEqual(code, 0, self.pl.stderr_text()[-3000:])


if __name__ == "__main__":
    test_main()
