"""Black-box test of logging.remote: RFC 5424 to a syslog server.

Python receivers on 127.0.0.1 play the server:

  - UDP: the daemon's start line and a check's state change arrive, one
    RFC 5424 message per datagram: PRI = daemon (3) * 8 + severity,
    version 1, a UTC timestamp, APP-NAME pilotlight, PROCID the daemon's
    pid; the local target (stderr) still has the same lines;
  - TCP with octet-counting frames: the start line arrives; the server
    goes away, the daemon keeps running, says so once in its local log and
    queues what it logs (SIGUSR1 makes it log its state); the server comes
    back on the same port and the queued line arrives on the new
    connection, with the line saying it is connected again;
  - a reload moves the lines from a UDP to a TCP server;
  - a bad address or transport is refused with FILE:LINE.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import PilotlightProc, test_main  # noqa: E402

BINARY = "build/pilotlight"

CONFIG = """\
logging = {{ level = "info"; target = "stderr";
	remote = {{ address = "127.0.0.1:{port}"; transport = "{transport}"; }};
}};
hosts = ( {{ name = "gw"; address = "127.0.0.1";
	checks = ( {{ type = "exec"; command = ["/bin/false"];
		     interval = "2s"; }} ); }} );
pi = {{ enabled = false; }};
"""

LINE = re.compile(r"^<(\d+)>1 (\S+) (\S+) (\S+) (\d+) - - (.*)$", re.S)
SEVERITY = {"error": 3, "warning": 4, "notice": 5, "info": 6}


def parse(msg):
    """(pri, timestamp, host, app, pid, text) of an RFC 5424 message."""
    m = LINE.match(msg)
    if not m:
        raise AssertionError("not RFC 5424: %r" % msg)
    pri, stamp, host, app, pid, text = m.groups()
    return int(pri), stamp, host, app, int(pid), text


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpServer:
    """Accepts connections on port and splits octet-counted frames."""

    def __init__(self, port):
        self.frames = []
        self.cond = threading.Condition()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4)
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._read, args=(c,),
                             daemon=True).start()

    def _read(self, c):
        buf = b""
        while True:
            try:
                data = c.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                m = re.match(rb"^(\d+) ", buf)
                if not m or len(buf) < m.end() + int(m.group(1)):
                    break
                end = m.end() + int(m.group(1))
                with self.cond:
                    self.frames.append(buf[m.end():end].decode())
                    self.cond.notify_all()
                buf = buf[end:]

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for f in self.frames:
                    if pred(f):
                        return f
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("no matching frame in %ss: %r" % (
                        timeout, self.frames[-5:]))
                self.cond.wait(min(left, 0.5))

    def close(self):
        # shutdown() wakes the thread blocked in accept(); close() alone
        # would leave the port listening
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


class RemoteSyslog(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pl-syslog-")
        self.pl = None

    def tearDown(self):
        if self.pl:
            self.pl.close()
        shutil.rmtree(self.dir)

    def start(self, transport, port):
        cfg = os.path.join(self.dir, "s.cfg")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(port=port, transport=transport))
        self.pl = PilotlightProc(BINARY, cfg)

    def test_udp(self):
        port = free_port(socket.SOCK_DGRAM)
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", port))
        rx.settimeout(1)
        self.addCleanup(rx.close)
        before = datetime.now(timezone.utc).replace(microsecond=0)
        self.start("udp", port)
        got = []
        deadline = time.monotonic() + 20
        while not any("event: gw/exec" in m[5] for m in got):
            self.assertLess(time.monotonic(), deadline, got)
            try:
                got.append(parse(rx.recv(4096).decode()))
            except socket.timeout:
                pass
        running = [m for m in got if " running: " in m[5]][0]
        pri, stamp, host, app, pid, text = running
        self.assertEqual(pri, 3 * 8 + SEVERITY["notice"])
        self.assertEqual(app, "pilotlight")
        self.assertEqual(pid, self.pl.pid)
        self.assertEqual(host, socket.gethostname())
        self.assertRegex(stamp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=timezone.utc)
        self.assertGreaterEqual(when, before)
        event = [m for m in got if "event: gw/exec" in m[5]][0]
        self.assertEqual(event[0], 3 * 8 + SEVERITY["warning"])
        # beside the local target, not instead of it
        deadline = time.monotonic() + 10
        while event[5] not in self.pl.stderr_text():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)

    def test_tcp_reconnects(self):
        port = free_port(socket.SOCK_STREAM)
        server = TcpServer(port)
        self.start("tcp", port)
        f = server.wait(lambda f: " running: " in f, 20)
        self.assertEqual(parse(f)[0], 3 * 8 + SEVERITY["notice"])

        # The server goes away; the daemon keeps running and queues.
        server.close()
        time.sleep(1)
        self.pl.signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "state: site" not in self.pl.stderr_text():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.assertTrue(self.pl.alive())

        # Back on the same port: the queued line arrives.
        server = TcpServer(port)
        self.addCleanup(server.close)
        f = server.wait(lambda f: "state: site" in f, 90)
        pri, _, _, app, pid, text = parse(f)
        self.assertEqual(app, "pilotlight")
        self.assertEqual(pid, self.pl.pid)
        self.assertEqual(pri, 3 * 8 + SEVERITY["info"])
        self.assertTrue(self.pl.alive())
        # the outage once in the local log, the return on both
        where = "remote syslog 127.0.0.1:%d: " % port
        f = server.wait(lambda f: where + "connected again" in f, 10)
        self.assertEqual(parse(f)[0], 3 * 8 + SEVERITY["notice"])
        self.assertIn(where + "connected again, 0 lines dropped",
                      self.pl.stderr_text())
        # closed, or reset when the server left bytes unread
        said = re.findall(re.escape(where) + r"[^;\n]+; keeping lines",
                          self.pl.stderr_text())
        self.assertEqual(len(said), 1, self.pl.stderr_text())
        rc, _ = self.pl.sigterm()
        self.assertEqual(rc, 0)

    def test_reload_moves_the_target(self):
        uport = free_port(socket.SOCK_DGRAM)
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", uport))
        rx.settimeout(10)
        self.addCleanup(rx.close)
        self.start("udp", uport)
        while " running: " not in parse(rx.recv(4096).decode())[5]:
            pass
        tport = free_port(socket.SOCK_STREAM)
        server = TcpServer(tport)
        self.addCleanup(server.close)
        with open(self.pl.cfg, "w") as f:
            f.write(CONFIG.format(port=tport, transport="tcp"))
        self.pl.sighup()
        f = server.wait(lambda f: "configuration reloaded" in f, 20)
        self.assertEqual(parse(f)[4], self.pl.pid)
        self.pl.signal(signal.SIGUSR1)
        server.wait(lambda f: "state: site" in f, 20)

    def test_bad_config(self):
        cfg = os.path.join(self.dir, "s.cfg")
        for bad, why in (
                ('address = "syslog.example:514"', "not ADDR:PORT"),
                ('address = "127.0.0.1"', "not ADDR:PORT"),
                ('address = "127.0.0.1:70000"', "not ADDR:PORT"),
                ('transport = "sctp"', "transport")):
            text = CONFIG.format(port=514, transport="udp")
            if bad.startswith("address"):
                text = text.replace('address = "127.0.0.1:514"', bad)
            else:
                text = text.replace('transport = "udp"', bad)
            with open(cfg, "w") as f:
                f.write(text)
            r = subprocess.run([BINARY, "-t", "-c", cfg],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 1, bad)
            self.assertRegex(r.stderr, re.escape(cfg) + r":2: .*" + why,
                             bad)


if __name__ == "__main__":
    test_main()
