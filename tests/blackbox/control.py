#!/usr/bin/env python3
"""Control without walking to the Pi: `pilotlight ctl` over the Unix
socket and the same actions over HTTP, against the real binary.

    python3 tests/blackbox/control.py --binary build/pilotlight

A check fails while its flag file exists (exit 2: CRITICAL, buzzer
"repeat" until acknowledged); the JSON panel shows what a person sees.

  - status: the site, the alarm, each check; ack: the buzzer stops, the
    events file has the ack "by root (uid 0)", a second ack is refused
    (exit 1 with the message);
  - mute 3s: the buzzer stops, the LCD says "muted", and it sounds again
    by itself afterwards;
  - maintenance 1h: the LCD says "maint", kept across a restart;
    end-maintenance: the buzzer sounds again, an event names who;
  - reload: a changed config is in force (a new LED), a broken one is
    refused with FILE:LINE and exit 1;
  - clients that connect and send nothing (more of them than are kept at
    once) are dropped and others are served meanwhile; an oversized
    request is refused;
  - a user not in the socket's group: "Permission denied (are you in
    group adm?)", exit 1; no daemon: "is pilotlight running?", exit 1;
    a bad duration or command: exit 2; -c FILE finds the socket from the
    config;
  - HTTP: 401 without a token and with a wrong one, 405 for GET on an
    action, 200 with the token and the same effect; status over GET; 404
    while control.http is off; the token never appears in the log;
  - a token file readable by everyone is a FILE:LINE config error.

Needs root (socket ownership, running the client as another user).
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import faults  # noqa: E402
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"
TOKEN = "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4"

SITE = """\
daemon = {{ state_dir = "{dir}/state"; }};
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "1s"; timeout = "500ms"; fail_after = 1;
	     recover_after = 1; }};
hosts = ( {{ name = "self"; address = "127.0.0.1"; checks = (
	{{ name = "disk"; type = "exec";
	  command = ["/bin/sh", "-c", "test ! -e {dir}/disk-bad || exit 2"]; }}
	); }} );
indicators = {{
	leds = ( {{ name = "self"; shows = "host:self"; red = 17;
		   green = 27; }}{extra_led} );
	buzzer = {{ pin = 16; }};
	lcd = {{ cols = 16; rows = 2; pages = ["alarms"]; }};
}};
events = {{ file = "{dir}/events.jsonl"; }};
{metrics}
control = {{ socket = "{dir}/ctl.sock"; {http} }};
"""


class Control(faults.Base):
    def setUp(self):
        super().setUp()
        os.mkdir(os.path.join(self.dir, "state"))
        self.sock = os.path.join(self.dir, "ctl.sock")
        self.port = daemon.free_port()
        self.tokfile = os.path.join(self.dir, "token")
        with open(self.tokfile, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(self.tokfile, 0o600)
        open(os.path.join(self.dir, "disk-bad"), "w").close()
        self.cfg = self.config()

    def config(self, http=False, extra_led="", garbage=""):
        metrics = ('metrics = { enabled = true; listen = "127.0.0.1:%d"; };'
                   % self.port)
        return self.write_cfg(SITE.format(
            dir=self.dir, extra_led=extra_led, metrics=metrics,
            http=('http = true; token_file = "%s";' % self.tokfile
                  if http else "")) + garbage)

    def start(self):
        pl = PilotlightProc(BINARY, self.cfg)
        self.addCleanup(pl.close)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.sock):
            self.assertLess(time.monotonic(), deadline, pl.stderr_text())
            time.sleep(0.05)
        return pl

    def ctl(self, *args, user=None):
        argv = [BINARY, "ctl", "--socket", self.sock] + list(args)
        if user:
            argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                    "--clear-groups", "--"] + argv
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=30)

    def sounding(self, pl, since=None):
        return pl.wait_view(lambda v: led(v, "self")["state"] == "CRITICAL"
                            and v["buzzer"] == "repeat", timeout=15,
                            since=since)

    def silent(self, pl, since):
        return pl.wait_view(lambda v: v["buzzer"] == "off" and
                            led(v, "self")["state"] == "CRITICAL",
                            timeout=10, since=since)

    def events(self):
        path = os.path.join(self.dir, "events.jsonl")
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_event(self, kind, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events() if e["kind"] == kind]
            if found:
                return found[-1]
            self.assertLess(time.monotonic(), deadline, self.events())
            time.sleep(0.1)

    def test_status_and_ack(self):
        pl = self.start()
        self.sounding(pl)
        r = self.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: site CRITICAL", r.stdout)
        self.assertIn("alarm CRITICAL\n", r.stdout)
        self.assertRegex(r.stdout, r"check disk CRITICAL: exit status 2")
        t = time.monotonic()
        r = self.ctl("ack")
        self.assertEqual((r.returncode, r.stdout),
                         (0, "ok: alarm acknowledged\n"), r.stderr)
        self.silent(pl, t)
        e = self.wait_event("ack")
        self.assertEqual(e["detail"], "by root (uid 0)")
        self.assertIn("alarm CRITICAL acknowledged", self.ctl("status").stdout)
        r = self.ctl("ack")
        self.assertEqual(r.returncode, 1)
        self.assertIn("error: no alarm to acknowledge", r.stderr)
        self.assertIn("ctl: ack by root (uid 0)", pl.stderr_text())

    def test_mute_ends_by_itself(self):
        pl = self.start()
        self.sounding(pl)
        t = time.monotonic()
        r = self.ctl("mute", "3s")
        self.assertEqual(r.returncode, 0, r.stderr)
        v, t_quiet = self.silent(pl, t)
        self.assertIn("muted", v["lcd"][1])
        e = self.wait_event("mute")
        self.assertEqual(e["detail"], "by root (uid 0)")
        # it sounds again by itself, without anything else happening
        self.sounding(pl, since=t_quiet)

    def test_maintenance_survives_restart_and_ends(self):
        pl = self.start()
        self.sounding(pl)
        t = time.monotonic()
        r = self.ctl("maintenance", "1h")
        self.assertEqual(r.returncode, 0, r.stderr)
        pl.wait_view(lambda v: re.match(r"maint (1h|\d+m)",
                                        v["lcd"][1].strip()) and
                     v["buzzer"] == "off", 10, t)
        self.assertEqual(self.wait_event("maintenance")["detail"],
                         "by root (uid 0)")
        rc, _ = pl.sigterm()
        self.assertEqual(rc, 0, pl.stderr_text())
        pl = self.start()
        v, _ = pl.wait_view(lambda v: led(v, "self")["state"] ==
                            "CRITICAL" and "maint" in v["lcd"][1], 15)
        self.assertEqual(v["buzzer"], "off")
        self.assertRegex(self.ctl("status").stdout, r"maintenance \d+m")
        t = time.monotonic()
        r = self.ctl("end-maintenance")
        self.assertEqual((r.returncode, r.stdout),
                         (0, "ok: maintenance ended\n"), r.stderr)
        self.sounding(pl, since=t)
        self.assertEqual(self.wait_event("maintenance_end")["detail"],
                         "by root (uid 0)")
        r = self.ctl("end-maintenance")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no maintenance running", r.stderr)

    def test_reload(self):
        pl = self.start()
        pl.wait_view(lambda v: "leds" in v, 10)
        self.config(extra_led=',\n\t\t{ name = "more"; shows = "all"; '
                    'red = 5; }')
        t = time.monotonic()
        r = self.ctl("reload")
        self.assertEqual((r.returncode, r.stdout),
                         (0, "ok: configuration reloaded\n"), r.stderr)
        pl.wait_view(lambda v: any(x["name"] == "more" for x in v["leds"]),
                     10, t)
        self.config(garbage="nonsense = 1;\n")
        r = self.ctl("reload")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"error: reload failed: .*site\.cfg:\d+")
        self.assertIsNone(pl.proc.poll())

    def test_idle_and_oversized_clients(self):
        pl = self.start()
        idle = []
        for _ in range(12):             # more than the 8 kept at once
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(s.close)
            s.connect(self.sock)
            idle.append(s)
        r = self.ctl("status")          # served while they hang on
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: site", r.stdout)
        big = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(big.close)
        big.settimeout(20)
        big.connect(self.sock)
        big.sendall(b"a" * 300)
        self.assertEqual(big.recv(100), b"error: request too long\n")
        for s in idle:                  # dropped: EOF, no reply
            s.settimeout(30)
            self.assertEqual(s.recv(100), b"")
        self.assertEqual(self.ctl("status").returncode, 0)
        self.assertIsNone(pl.proc.poll())

    def test_not_in_group_and_usage(self):
        pl = self.start()
        pl.wait_view(lambda v: "leds" in v, 10)
        st = os.stat(self.sock)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        r = self.ctl("status", user=65534)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Permission denied (are you in group adm?)", r.stderr)
        self.assertEqual(self.ctl("mute", "10x").returncode, 2)
        self.assertEqual(self.ctl("frobnicate").returncode, 2)
        self.assertEqual(self.ctl().returncode, 2)
        r = subprocess.run([BINARY, "ctl", "--socket",
                            os.path.join(self.dir, "none.sock"), "status"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is pilotlight running?", r.stderr)
        # -c: the socket from the config
        r = subprocess.run([BINARY, "ctl", "-c", self.cfg, "status"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: site", r.stdout)

    def http(self, method, path, token=None):
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.port, path), method=method,
            data=b"" if method == "POST" else None)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_http_off_by_default(self):
        pl = self.start()
        pl.wait_view(lambda v: "leds" in v, 10)
        self.assertEqual(self.http("POST", "/api/v1/ack", TOKEN)[0], 404)

    def test_http(self):
        self.cfg = self.config(http=True)
        pl = self.start()
        self.sounding(pl)
        self.assertEqual(self.http("POST", "/api/v1/ack")[0], 401)
        self.assertEqual(self.http("POST", "/api/v1/ack",
                                   TOKEN[:-1] + "x")[0], 401)
        self.assertEqual(self.http("POST", "/api/v1/ack", TOKEN[:8])[0], 401)
        self.assertEqual(self.http("GET", "/api/v1/ack", TOKEN)[0], 405)
        self.assertEqual(self.http("POST", "/api/v1/mute?duration=10x",
                                   TOKEN)[0], 400)
        t = time.monotonic()
        code, body = self.http("POST", "/api/v1/ack", TOKEN)
        self.assertEqual((code, body), (200, "ok: alarm acknowledged\n"))
        self.silent(pl, t)
        self.assertEqual(self.wait_event("ack")["detail"],
                         "by http 127.0.0.1")
        code, body = self.http("POST", "/api/v1/ack", TOKEN)
        self.assertEqual(code, 409, body)
        code, body = self.http("GET", "/api/v1/status", TOKEN)
        self.assertEqual(code, 200)
        self.assertIn("alarm CRITICAL acknowledged", body)
        code, body = self.http("POST", "/api/v1/maintenance?duration=1h",
                               TOKEN)
        self.assertEqual(code, 200, body)
        pl.wait_view(lambda v: "maint" in v["lcd"][1], 10)
        self.assertEqual(self.http("POST", "/api/v1/end-maintenance",
                                   TOKEN)[0], 200)
        self.assertEqual(self.http("POST", "/api/v1/reload", TOKEN)[0], 200)
        rc, _ = pl.sigterm()
        self.assertEqual(rc, 0)
        self.assertNotIn(TOKEN[:12], pl.stderr_text())
        with open(os.path.join(self.dir, "events.jsonl")) as f:
            self.assertNotIn(TOKEN[:12], f.read())

    def test_world_readable_token_is_refused(self):
        self.cfg = self.config(http=True)
        os.chmod(self.tokfile, 0o644)
        r = subprocess.run([BINARY, "-t", "-c", self.cfg],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(self.cfg) +
                         r":\d+: .*readable by everyone")
        self.assertNotIn(TOKEN[:12], r.stderr)


if __name__ == "__main__":
    test_main()
