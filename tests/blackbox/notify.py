"""Black-box test of the notification channels, driving the real binary on
loopback against real servers:

  - email: an aiosmtpd SMTP server on 127.0.0.1 that demands STARTTLS
    (a self-signed certificate the daemon trusts through ca_file) and
    AUTH, and takes the mail for two recipients; Subject and body carry
    the state, host, check, value, threshold and reason;
  - Telegram, Pushover, Discord, Matrix and Microsoft Teams: one local
    HTTP receiver that checks each service's documented request (method,
    path, headers, JSON or form fields) and answers as the service does;
  - min_state = "critical": a WARNING reaches only the channel that wants
    warnings; the CRITICAL reaches all;
  - remind = "2s": a reminder arrives while the check stays CRITICAL, and
    none after the recovery;
  - recovery messages on OK, except where recovery = false;
  - tokens and the SMTP password (from files) never appear in the log.

The state is driven by a loopback tcp check against a server here whose
reply delay decides the response time: 0 (OK), 0.55 s (WARNING, beyond
300 ms) or 1.2 s (CRITICAL, beyond 900 ms).  Run: python3
tests/blackbox/notify.py --binary BUILD/pilotlight (needs
python3-aiosmtpd and openssl).
"""

import email
import email.policy
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

# Debian's python3-aiosmtpd is installed for /usr/bin/python3; a python3
# earlier on PATH (a virtualenv, pyenv) may not see it.
try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    if sys.executable != "/usr/bin/python3" and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, led, test_main  # noqa: E402

BINARY = "build/pilotlight"

TG_TOKEN = "123456:AAH-test_Token"
PO_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
PO_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
MX_TOKEN = "syt_cGlsb3RsaWdodA_secret"
SMTP_USER = "pi"
SMTP_PASSWORD = "s3cret pass-word"
TEMPLATE = ("{kind} {state} {host}/{check}: {value} (threshold "
            "{threshold}) {reason}")
# What a CRITICAL message says, whatever the measured time.
CRITICAL_RE = re.compile(r"problem CRITICAL lo/svc: \d+(\.\d+)? ms "
                         r"\(threshold 900 ms\) \S")

CONFIG = """\
logging = {{ level = "info"; target = "stderr"; }};
hosts = (
	{{ name = "lo"; address = "127.0.0.1";
	  checks = (
		{{ type = "tcp"; name = "lo/svc"; port = {svc}; expect = "hello";
		  interval = "2s"; timeout = "1500ms"; fail_after = 1;
		  recover_after = 1;
		  response_time = {{ warning = "300ms"; critical = "900ms"; }}; }}
	  ); }}
);
indicators = {{
	leds = ( {{ name = "status"; shows = "all"; red = 17; green = 27; }} );
}};
webhooks = (
	{{ name = "mail"; format = "email"; url = "smtp://127.0.0.1:{smtp}";
	  ca_file = "{cert}"; from = "pi@lab.example";
	  to = ["ops@lab.example", "oncall@lab.example"];
	  username = "{user}"; password_file = "{dir}/smtp.pw";
	  min_state = "critical"; template = "{tmpl}"; retry = "1s"; }},
	{{ name = "tg"; format = "telegram"; url = "http://127.0.0.1:{http}/tg";
	  token_file = "{dir}/tg.token"; chat_id = "-1001234";
	  min_state = "critical"; remind = "2s"; template = "{tmpl}";
	  retry = "1s"; }},
	{{ name = "po"; format = "pushover";
	  url = "http://127.0.0.1:{http}/1/messages.json";
	  token_file = "{dir}/po.token"; user = "{po_user}";
	  min_state = "critical"; template = "{tmpl}"; retry = "1s"; }},
	{{ name = "dc"; format = "discord";
	  url = "http://127.0.0.1:{http}/api/webhooks/42/hooksecret";
	  min_state = "critical"; recovery = false; template = "{tmpl}";
	  retry = "1s"; }},
	{{ name = "mx"; format = "matrix"; url = "http://127.0.0.1:{http}/";
	  token_file = "{dir}/mx.token"; room = "!room:lab.example";
	  min_state = "critical"; template = "{tmpl}"; retry = "1s"; }},
	{{ name = "teams"; format = "teams";
	  url = "http://127.0.0.1:{http}/teams/hook"; min_state = "warning";
	  template = "{tmpl}"; retry = "1s"; }}
);
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """What the receivers got: (channel, text, request) in arrival order."""
    lock = threading.Lock()
    got = []
    mails = []
    errors = []  # requests that do not have the documented shape
    delay = 0.0  # the svc server's reply delay


def record(channel, text, req):
    with Lab.lock:
        Lab.got.append((channel, text, req))


def texts(channel):
    with Lab.lock:
        return [t for c, t, _ in Lab.got if c == channel]


def json_body(handler, body):
    if handler.headers.get("Content-Type") != "application/json":
        raise ValueError("Content-Type %r" %
                         handler.headers.get("Content-Type"))
    return json.loads(body)


def telegram(h, body):
    if h.command != "POST" or h.path != "/tg/bot%s/sendMessage" % TG_TOKEN:
        raise ValueError("%s %s" % (h.command, h.path))
    d = json_body(h, body)
    if set(d) != {"chat_id", "text"} or d["chat_id"] != "-1001234":
        raise ValueError(d)
    return d["text"], {"ok": True, "result": {"message_id": 1}}


def pushover(h, body):
    if h.command != "POST" or \
            h.headers.get("Content-Type") != \
            "application/x-www-form-urlencoded":
        raise ValueError("%s %s" % (h.command, h.headers))
    f = urllib.parse.parse_qs(body.decode(), strict_parsing=True)
    if f["token"] != [PO_TOKEN] or f["user"] != [PO_USER] or \
            f["priority"][0] not in ("0", "1") or \
            not f["title"][0].startswith("pilotlight: lo/svc "):
        raise ValueError(f)
    return f["message"][0], {"status": 1, "request": "r1"}


def discord(h, body):
    if h.command != "POST":
        raise ValueError(h.command)
    d = json_body(h, body)
    if set(d) != {"content"}:
        raise ValueError(d)
    return d["content"], None


MATRIX_PATH = re.compile(r"^/_matrix/client/v3/rooms/%21room%3Alab\.example"
                         r"/send/m\.room\.message/[A-Za-z0-9._~-]+$")


def matrix(h, body):
    if h.command != "PUT" or not MATRIX_PATH.match(h.path) or \
            h.headers.get("Authorization") != "Bearer " + MX_TOKEN:
        raise ValueError("%s %s %s" % (h.command, h.path, h.headers))
    d = json_body(h, body)
    if d.get("msgtype") != "m.text" or set(d) != {"msgtype", "body"}:
        raise ValueError(d)
    return d["body"], {"event_id": "$ev:" + h.path.rsplit("/", 1)[1]}


def teams(h, body):
    if h.command != "POST":
        raise ValueError(h.command)
    d = json_body(h, body)
    att = d["attachments"]
    if d["type"] != "message" or len(att) != 1 or \
            att[0]["contentType"] != \
            "application/vnd.microsoft.card.adaptive":
        raise ValueError(d)
    card = att[0]["content"]
    if card["type"] != "AdaptiveCard" or not card["version"]:
        raise ValueError(card)
    blocks = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    return blocks[-1], None


ROUTES = (("/tg/", "telegram", telegram), ("/1/messages.json", "pushover",
          pushover), ("/api/webhooks/42/hooksecret", "discord", discord),
          ("/_matrix/", "matrix", matrix), ("/teams/hook", "teams", teams))


class Receiver(http.server.BaseHTTPRequestHandler):
    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        for prefix, name, fn in ROUTES:
            if self.path.startswith(prefix):
                break
        else:
            name, fn = "?", None
        try:
            if fn is None:
                raise ValueError("no such path")
            text, answer = fn(self, body)
        except (ValueError, KeyError, IndexError, TypeError) as e:
            with Lab.lock:
                Lab.errors.append((name, self.command, self.path, repr(e)))
            self.send_response(400)
            self.end_headers()
            return
        record(name, text, (self.command, self.path, dict(self.headers)))
        if answer is None:
            self.send_response(204)
            self.end_headers()
            return
        out = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = handle_any

    def log_message(self, *args):
        pass


class Svc(socketserver.BaseRequestHandler):
    """The checked service: "hello" after Lab.delay seconds."""

    def handle(self):
        time.sleep(Lab.delay)
        try:
            self.request.sendall(b"hello\n")
        except OSError:
            pass


class MailHandler:
    async def handle_DATA(self, server, session, envelope):
        with Lab.lock:
            Lab.mails.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "tls": session.ssl is not None,
                "auth": bool(session.authenticated),
                "msg": email.message_from_bytes(
                    envelope.original_content or envelope.content,
                    policy=email.policy.default),
            })
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        auth_data.login == SMTP_USER.encode() and \
        auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("no %s within %d s; got %r, errors %r" % (
                what, timeout, Lab.got, Lab.errors))
        time.sleep(0.1)


class Notify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pl-notify-")
        cert, key = make_cert(cls.dir)
        for name, secret in (("tg.token", TG_TOKEN), ("po.token", PO_TOKEN),
                             ("mx.token", MX_TOKEN),
                             ("smtp.pw", SMTP_PASSWORD)):
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(secret + "\n")
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        smtp_port = free_port()
        cls.smtp = Controller(MailHandler(), hostname="127.0.0.1",
                              port=smtp_port, tls_context=tls,
                              require_starttls=True,
                              authenticator=authenticator,
                              auth_require_tls=True)
        cls.smtp.start()
        cls.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   Receiver)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        cls.svc = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Svc)
        cls.svc.daemon_threads = True
        threading.Thread(target=cls.svc.serve_forever, daemon=True).start()
        cls.cfg = os.path.join(cls.dir, "site.cfg")
        with open(cls.cfg, "w") as f:
            f.write(CONFIG.format(
                svc=cls.svc.server_address[1], smtp=smtp_port, cert=cert,
                user=SMTP_USER, dir=cls.dir, tmpl=TEMPLATE,
                http=cls.http.server_address[1], po_user=PO_USER))
        cls.pl = PilotlightProc(BINARY, cls.cfg)
        # OK first: the first result is never announced.
        cls.pl.wait_view(lambda v: led(v, "status")["state"] == "OK",
                         timeout=20)

    @classmethod
    def tearDownClass(cls):
        cls.pl.close()
        cls.http.shutdown()
        cls.http.server_close()
        cls.svc.shutdown()
        cls.svc.server_close()
        cls.smtp.stop()
        shutil.rmtree(cls.dir)

    def test_a_warning_only_where_wanted(self):
        Lab.delay = 0.55
        wait_for(lambda: any(t.startswith("problem WARNING lo/svc: ")
                             for t in texts("teams")), 20,
                 "WARNING at the teams receiver")
        # The others heard of the same event at the same moment; give
        # them time to show a message they should not get.
        time.sleep(3)
        for ch in ("telegram", "pushover", "discord", "matrix"):
            self.assertEqual(texts(ch), [], ch)
        self.assertEqual(Lab.mails, [])
        self.assertEqual(Lab.errors, [])

    def test_b_critical_everywhere(self):
        Lab.delay = 1.2
        for ch in ("teams", "telegram", "pushover", "discord", "matrix"):
            got = wait_for(lambda: [t for t in texts(ch)
                                    if CRITICAL_RE.match(t)], 30,
                           "CRITICAL at " + ch)
            self.assertTrue(got)
        wait_for(lambda: Lab.mails, 30, "mail")
        self.assertEqual(Lab.errors, [])
        with Lab.lock:
            m = Lab.mails[0]
        self.assertEqual(m["from"], "pi@lab.example")
        self.assertEqual(sorted(m["to"]),
                         ["oncall@lab.example", "ops@lab.example"])
        self.assertTrue(m["tls"], "mail sent before STARTTLS")
        self.assertTrue(m["auth"], "mail sent without AUTH")
        msg = m["msg"]
        self.assertEqual(msg["Subject"], "pilotlight: lo/svc CRITICAL")
        self.assertEqual(msg["From"], "pi@lab.example")
        self.assertEqual(msg["To"], "ops@lab.example, oncall@lab.example")
        self.assertTrue(msg["Date"] and msg["Message-ID"])
        body = msg.get_content()
        self.assertRegex(body, CRITICAL_RE)
        self.assertIn("lo/svc", body)

    def test_c_reminder_while_critical(self):
        wait_for(lambda: [t for t in texts("telegram")
                          if t.startswith("reminder CRITICAL lo/svc: ")],
                 30, "reminder at the telegram receiver")
        # Only telegram has remind set.
        self.assertFalse([t for t in texts("teams")
                          if t.startswith("reminder")])

    def test_d_recovery(self):
        Lab.delay = 0
        for ch in ("telegram", "pushover", "matrix", "teams"):
            wait_for(lambda: [t for t in texts(ch)
                              if t.startswith("recovery OK lo/svc: ")],
                     30, "recovery at " + ch)
        wait_for(lambda: [m for m in Lab.mails
                          if m["msg"]["Subject"] ==
                          "pilotlight: lo/svc OK"], 30, "recovery mail")
        reminders = len([t for t in texts("telegram")
                         if t.startswith("reminder")])
        time.sleep(5)  # two remind intervals and more
        self.assertEqual(len([t for t in texts("telegram")
                              if t.startswith("reminder")]), reminders,
                         "a reminder after the recovery")
        self.assertFalse([t for t in texts("discord")
                          if t.startswith("recovery")],
                         "recovery = false still sent one")
        self.assertEqual(Lab.errors, [])

    def test_e_secrets_not_logged(self):
        log = self.pl.stderr_text()
        for secret in (TG_TOKEN, PO_TOKEN, MX_TOKEN, SMTP_PASSWORD):
            self.assertNotIn(secret, log)

    def test_f_clean_stop(self):
        # Under the sanitizers a leak or an error is a non-zero exit.
        code, _ = self.pl.sigterm()
        self.assertEqual(code, 0, self.pl.stderr_text()[-3000:])


if __name__ == "__main__":
    test_main()
