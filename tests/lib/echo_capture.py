"""Echo requests as the wire shows them: tcpdump on lo, for the tests and
the bench that look at how a ping burst is spaced.

capture_echo_requests(addrs) starts tcpdump for the echo requests to
addrs (returns once it listens); bursts(path, dst) reads what it wrote
as lists of (time, seq), one list per burst.
"""

import os
import random
import re
import subprocess
import tempfile
import time


def _wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def loopback_pair():
    """Two loopback addresses of our own, so other tests' pings to
    127.0.0.1 do not show in the capture."""
    a, b = random.randint(1, 254), random.randint(1, 254)
    return "127.77.%d.%d" % (a, b), "127.78.%d.%d" % (a, b)


def capture_echo_requests(addrs):
    """tcpdump on lo for echo requests to addrs; returns (proc, path)."""
    fd, path = tempfile.mkstemp(prefix="pl-spacing-", suffix=".txt")
    os.close(fd)
    flt = "icmp[icmptype] == icmp-echo and (%s)" % " or ".join(
        "dst host " + a for a in addrs)
    out = open(path, "w")
    err = open(path + ".err", "w")
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-l", "-tt",
                             "-U", flt], stdout=out, stderr=err)
    out.close()
    err.close()
    _wait(lambda: "listening on" in open(path + ".err").read(), 20,
          "tcpdump to listen")
    return proc, path


ECHO = re.compile(r"^(\d+\.\d+) IP \S+ > (\S+): ICMP echo request, "
                  r"id (\d+), seq (\d+)")


def bursts(path, dst):
    """Requests to dst grouped into bursts: a gap over 1 s starts one."""
    out, cur, last = [], [], None
    with open(path) as f:
        for line in f:
            m = ECHO.match(line)
            if not m or m.group(2) != dst:
                continue
            t, seq = float(m.group(1)), int(m.group(4))
            if last is not None and t - last > 1.0:
                out.append(cur)
                cur = []
            cur.append((t, seq))
            last = t
    if cur:
        out.append(cur)
    return out
