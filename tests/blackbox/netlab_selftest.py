#!/usr/bin/env python3
"""Self-test of tests/lib/netlab.py: does the namespace lab do what the
black-box tests rely on?

    python3 tests/blackbox/netlab_selftest.py --binary build/pilotlight

Needs root.  Prints one line per check and "N passed, N failed"; exits 0
only if every check passed.  --binary is used for a short PilotlightProc
smoke check when the file exists (skipped otherwise).
"""

import argparse
import calendar
import os
import socket
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import netlab  # noqa: E402

RESULTS = []


def check(name):
    def deco(fn):
        def run(*a):
            t0 = time.monotonic()
            try:
                detail = fn(*a)
            except Exception as e:  # report and go on
                RESULTS.append(False)
                print("FAIL %-22s %s" % (name, e), flush=True)
                traceback.print_exc(file=sys.stdout)
                return
            RESULTS.append(True)
            print("ok   %-22s %s (%.1fs)" % (name, detail or "",
                                            time.monotonic() - t0),
                  flush=True)
        return run
    return deco


def py_in(host, code, timeout=20):
    """Run a Python snippet inside host's namespace, return stdout."""
    return host.run([sys.executable, "-c", code], timeout=timeout).stdout


@check("switch ping")
def t_switch(lab, h):
    r = h["a"].ping(h["b"].ip, count=3, interval=0.05)
    assert r.received == 3, r.output
    r6 = h["b"].ping(h["a"].ip6, count=3, interval=0.05)
    assert r6.received == 3, r6.output
    return "v4 %.2f ms, v6 %.2f ms" % (r.avg_ms, r6.avg_ms)


@check("router")
def t_router(lab, h):
    r = h["a"].ping(h["anchor"].ip, count=3, interval=0.05)
    assert r.received == 3, r.output
    r6 = h["a"].ping(h["anchor"].ip6, count=3, interval=0.05)
    assert r6.received == 3, r6.output
    tr = h["a"].run(["ip", "route", "get", h["anchor"].ip]).stdout
    assert "via " + h["gw"].ip in tr, tr
    # No route anywhere else: the lab has no way out.
    bad = h["a"].run(["ip", "route", "get", "192.0.2.1"], check=False)
    assert "via " + h["gw"].ip in bad.stdout  # default points at the router
    rr = h["gw"].run(["ip", "route", "get", "192.0.2.1"], check=False)
    assert rr.returncode != 0, rr.stdout  # ...which has no default route
    return "LAN -> gw -> anchor (v4+v6)"


@check("mirror to cap0")
def t_mirror(lab, h):
    mon = h["mon"]
    res = mon.sniff(1.5, background=True)
    h["a"].ping(h["b"].ip, count=5, interval=0.05)
    s = res()
    ab = s["ipv4"].get("%s>%s/icmp" % (h["a"].ip, h["b"].ip), 0)
    ba = s["ipv4"].get("%s>%s/icmp" % (h["b"].ip, h["a"].ip), 0)
    assert ab == 5 and ba == 5, s
    assert h["a"].mac in s["macs"] and h["b"].mac in s["macs"], s
    lab.silence_mirror()
    res = mon.sniff(1.0, background=True)
    h["a"].ping(h["b"].ip, count=5, interval=0.05)
    quiet = res()
    lab.restore_mirror()
    assert quiet["frames"] == 0, quiet
    res = mon.sniff(1.0, background=True)
    h["a"].ping(h["b"].ip, count=3, interval=0.05)
    again = res()
    assert again["ipv4"].get("%s>%s/icmp" % (h["a"].ip, h["b"].ip)) == 3, \
        again
    return "a<->b 5+5 frames, silenced 0, restored %d" % again["frames"]


@check("link down/up")
def t_link(lab, h):
    h["b"].link(False)
    r = h["a"].ping(h["b"].ip, count=3, interval=0.1, wait=0.3)
    h["b"].link(True)
    assert r.received == 0, r.output
    lab.wait_for(lambda: h["a"].ping(h["b"].ip, count=1, wait=0.5).received,
                 5, what="link back")
    return "0/3 while down, back after up"


@check("loss 30%")
def t_loss(lab, h):
    h["b"].loss(30)
    r = h["a"].ping(h["b"].ip, count=200, interval=0.005, wait=0.5)
    h["b"].loss(0)
    assert r.sent == 200, r.output
    assert 15 <= r.loss_pct <= 45, r.loss_pct
    r2 = h["a"].ping(h["b"].ip, count=20, interval=0.005, wait=0.5)
    assert r2.received == 20, r2.output
    h["b"].block_icmp(True)
    r3 = h["a"].ping(h["b"].ip, count=2, interval=0.05, wait=0.3)
    r3b = h["a"].ping(h["b"].ip6, count=2, interval=0.05, wait=0.3)
    h["b"].block_icmp(False)
    assert r3.received == 0 and r3b.received == 0, r3.output + r3b.output
    return "%.1f%% of 200 lost; 0 after loss(0); block_icmp ok" % r.loss_pct


@check("delay responder 50ms")
def t_delay(lab, h):
    d = h["slow"].delay_responder(50)
    # Warm up: resolve ARP/ND first, so the samples measure the responder.
    h["a"].ping(h["slow"].ip, count=1)
    h["a"].ping(h["slow"].ip6, count=1)

    def good(r, n):
        # Never early; how late on a busy machine is no test's business.
        return r.received == n and min(r.rtts_ms) >= 49.5

    r = h["a"].ping(h["slow"].ip, count=5, interval=0.05)
    assert good(r, 5), r.output
    r6 = h["a"].ping(h["slow"].ip6, count=3, interval=0.05)
    assert good(r6, 3), r6.output
    d.set_delay(10)
    r10 = h["a"].ping(h["slow"].ip, count=3, interval=0.05)
    # 10 ms now, not the 50 of before.
    assert all(9.5 <= x < 50 for x in r10.rtts_ms), r10.rtts_ms
    # Stopped with a 2 s delay set: answers well under that are the
    # kernel's own.
    d.set_delay(2000)
    d.stop()
    fast = h["a"].ping(h["slow"].ip, count=2, interval=0.05)
    assert fast.received == 2 and max(fast.rtts_ms) < 1000, fast.output
    return "v4 rtt %s ms, v6 avg %.1f ms" % (
        "/".join("%.1f" % x for x in r.rtts_ms), r6.avg_ms)


@check("tcp banner")
def t_tcp(lab, h):
    h["b"].tcp_service(2222)
    h["b"].tcp_service(2323, banner=b"", reply=b"pong\n")
    out = py_in(h["a"], (
        "import socket\n"
        "s=socket.create_connection(('%s',2222),3); print(s.recv(100))\n"
        "s=socket.create_connection(('%s',2323),3); s.sendall(b'ping\\n');"
        " print(s.recv(100))\n"
        "try:\n socket.create_connection(('%s',2424),3)\n"
        "except ConnectionRefusedError: print('refused')\n")
        % (h["b"].ip, h["b"].ip6, h["b"].ip))
    assert out.split("\n")[:3] == ["b'SSH-2.0-test\\r\\n'", "b'pong\\n'",
                                   "refused"], out
    return "banner, reply, closed port refused"


GET = ("import urllib.request,ssl,sys\n"
       "c=ssl.create_default_context(); c.check_hostname=False;"
       " c.verify_mode=ssl.CERT_NONE\n"
       "try:\n r=urllib.request.urlopen(sys.argv[1],timeout=5,context=c);"
       " print(r.status, r.read().decode())\n"
       "except urllib.error.HTTPError as e: print(e.code, e.read().decode())\n")


@check("http/https")
def t_http(lab, h):
    web = h["b"].http_server(8080, body="hello")
    get = lambda url: h["a"].run([sys.executable, "-c", GET, url]).stdout.strip()  # noqa
    assert get(web.url) == "200 hello", get(web.url)
    web.set(status=503, body="down")
    assert get(web.url) == "503 down"
    assert web.hits() == ["GET /", "GET /"], web.hits()
    tls = h["b"].http_server(8443, tls=True, cert_days=7)
    assert get(tls.url) == "200 ok", get(tls.url)
    pem = h["a"].run("openssl s_client -connect %s:8443 </dev/null "
                     "2>/dev/null | openssl x509 -noout -enddate"
                     % h["b"].ip).stdout.strip()
    assert pem.startswith("notAfter="), pem
    end = calendar.timegm(time.strptime(pem[9:], "%b %d %H:%M:%S %Y %Z"))
    days = (end - time.time()) / 86400
    assert 6.9 < days <= 7.01, days
    old = h["b"].http_server(9443, tls=True, cert_days=-2)
    pem2 = h["a"].run("openssl s_client -connect %s:9443 </dev/null "
                      "2>/dev/null | openssl x509 -noout -enddate"
                      % h["b"].ip).stdout.strip()
    end2 = calendar.timegm(time.strptime(pem2[9:], "%b %d %H:%M:%S %Y %Z"))
    assert -3 < (end2 - time.time()) / 86400 < -2, pem2
    return "200/503 switch, cert ends in %.2f days, expired one ok" % days


@check("dns (dnsmasq)")
def t_dns(lab, h):
    dns = h["b"].dns_server({"nas.lab": "10.77.0.20",
                             "v6.lab": ["10.77.0.21", "fd77::21"]})
    dig = lambda *a: h["a"].run(["dig", "+time=2", "+tries=1",  # noqa
                                 "@" + h["b"].ip] + list(a)).stdout
    assert dig("+short", "nas.lab").strip() == "10.77.0.20"
    assert dig("+short", "AAAA", "v6.lab").strip() == "fd77::21"
    assert "NXDOMAIN" in dig("nope.lab")
    # A DNS query built by hand over UDP, as a C resolver would send it.
    q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
         b"\x03nas\x03lab\x00\x00\x01\x00\x01")
    out = py_in(h["a"], (
        "import socket\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\n"
        "s.settimeout(3); s.sendto(%r,('%s',53)); print(s.recv(512).hex())\n")
        % (q, h["b"].ip6)).strip()
    ans = bytes.fromhex(out)
    assert ans[:2] == b"\x12\x34" and ans[-4:] == socket.inet_aton(
        "10.77.0.20"), out
    dns.set_records({"nas.lab": "10.77.0.99"})
    assert dig("+short", "nas.lab").strip() == "10.77.0.99"
    return "A, AAAA, NXDOMAIN, raw v6 query, reload"


@check("new device + burst")
def t_newdev(lab, h):
    # Long enough for the new namespace to come up and send on a loaded
    # machine (1.5 s caught one broadcast of three there).
    res = h["mon"].sniff(8.0, background=True)
    nd = lab.new_device("newbie", "10.77.0.77/24", "02:00:00:00:77:77",
                        ping=h["a"].ip)
    s = res()
    assert "02:00:00:00:77:77" in s["macs"] and s["arp"] >= 3, s
    assert s["ipv4"].get("10.77.0.77>10.77.0.255/udp") == 3, s
    assert s["ipv4"].get("10.77.0.77>%s/icmp" % h["a"].ip) == 3, s
    assert nd.mac == "02:00:00:00:77:77"
    b = lab.traffic_burst(h["a"], h["b"], pps=2000, seconds=1.0, size=200)
    assert 1900 <= b["sent"] <= 2100 and b["received"] >= 0.98 * b["sent"], b
    fast = lab.traffic_burst(h["a"], h["b"], pps=200000, seconds=1.0,
                             size=64)
    return ("garp+udp+icmp seen; 2000 pps exact (%d rx); asked 200k pps: "
            "%d pps achieved, %d/%d received" % (
                b["received"], fast["pps"], fast["received"], fast["sent"]))


@check("pilotlight proc")
def t_pilot(lab, h, binary):
    if not binary or not os.access(binary, os.X_OK):
        return "skipped (no binary %s)" % binary
    p = lab.run_pilotlight(binary, "hosts = ();\n")
    v, t = p.wait_view(lambda v: "leds" in v, timeout=10)
    assert t >= p.started
    p.press("short")
    code, dt = p.sigterm(timeout=10)
    assert code == 0, (code, p.stderr_text())
    stopped = [v for _, v in p.views if v.get("stopped")]
    return "%d views, first after %.2fs, exit %d in %.2fs%s" % (
        len(p.views), t - p.started, code, dt,
        ", final stopped view" if stopped else "")


@check("stale cleanup")
def t_stale(lab, h):
    # A fake crashed run: namespace + process, owner long dead.
    dead = subprocess.Popen(["true"])
    dead.wait()
    prefix = "pltdead%d" % (os.getpid() % 10)
    ns = prefix + "-x"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    with open(os.path.join(netlab.OWNER_DIR, prefix + ".owner"), "w") as f:
        f.write("%d 1\n" % dead.pid)
    foreign = prefix + "z-noowner"   # no owner file: never ours to delete
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "60"])
    time.sleep(0.1)
    try:
        removed = netlab.cleanup_stale()
        sleeper.wait(5)
        assert ns in removed, removed
        assert ns not in netlab._netns_list()
        assert foreign in netlab._netns_list()
    finally:
        subprocess.run(["ip", "netns", "del", foreign])
    # The live lab is untouched.
    assert lab.switch_ns in netlab._netns_list()
    return "removed %s, killed its process, live lab + foreign ns kept" % ns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/pilotlight")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("netlab_selftest: needs root")
        return 1
    t0 = time.monotonic()
    with netlab.Lab() as lab:
        prefix = lab.prefix
        h = {}
        h["gw"] = lab.router("gw")
        h["mon"] = lab.monitor(gateway=h["gw"].ip)
        h["a"] = lab.host("a", gateway=h["gw"].ip, gateway6=h["gw"].ip6)
        h["b"] = lab.host("b")
        h["slow"] = lab.host("slow")
        h["anchor"] = lab.internet_host("anchor", "203.0.113.10/24",
                                        "2001:db8::10/64")
        print("ok   %-22s %s, %d namespaces (%.1fs)" % (
            "build", prefix, len(lab._namespaces), time.monotonic() - t0))
        RESULTS.append(True)
        for t in (t_switch, t_router, t_mirror, t_link, t_loss, t_delay,
                  t_tcp, t_http, t_dns, t_newdev):
            t(lab, h)
        t_pilot(lab, h, a.binary)
        t_stale(lab, h)
        pids = lab.all_pids()
        assert pids, "expected background processes in the lab"
        t1 = time.monotonic()
    teardown = time.monotonic() - t1
    left = [ns for ns in netlab._netns_list() if ns.startswith(prefix)]
    alive = [p for p in pids if os.path.exists("/proc/%d" % p)]
    tagged = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if prefix.encode() in f.read():
                        tagged.append(int(d))
            except OSError:
                pass
    ok = not left and not alive and not tagged
    RESULTS.append(ok)
    print("%s %-22s %d processes gone, namespaces %s (%.1fs)%s" % (
        "ok  " if ok else "FAIL", "teardown", len(pids),
        left or "gone", teardown,
        "" if ok else " alive=%s tagged=%s" % (alive, tagged)))
    npass = sum(RESULTS)
    print("total %.1fs" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (npass, len(RESULTS) - npass))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
