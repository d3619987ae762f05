"""Captures for the benches (not executable: tests/bench/replay and
tests/bench/memory run it).  Python 3 stdlib only.

  gen_capture.py mixed FILE N   N frames cycling through a pool of 20000
                                random frames of every kind from
                                tests/lib/pcapgen.py, weighted like a LAN
                                uplink (WEIGHTS: mostly TCP and UDP over
                                IPv4 and IPv6, 30% VLAN-tagged, 1%
                                malformed) between 600 hosts, in bursts of
                                1-8 frames per conversation, cut to a
                                128-byte snaplen like the daemon's default
                                capture, 500 000 frames a second
  gen_capture.py hosts FILE N   N TCP frames from N distinct sources (3/4
                                IPv4 in 10/8, 1/4 IPv6 in fd00::/8) to 16
                                servers: a flood of new hosts
"""

import ipaddress
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import pcapgen  # noqa: E402

SNAPLEN = 128


# Picks per 100 (a kind may write several frames: fragments, ARP).
WEIGHTS = {
    "k_tcp4": 40, "k_tcp6": 14, "k_udp4": 14, "k_udp6": 5, "k_icmp4": 2,
    "k_icmp6": 1, "k_opts4": 0.5, "k_frag4": 0.5, "k_frag6": 0.5,
    "k_ah6": 0.3, "k_other_ip": 0.3, "k_arp": 0.6, "k_other_l2": 0.5,
    "k_snapped": 0.5,
}
BAD_SHARE = 0.01


class BenchEnv(pcapgen.Env):
    """200 local and 250 remote IPv4 hosts, 150 IPv6 ones."""
    V4 = (["192.168.1.%d" % i for i in range(1, 151)] +
          ["10.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(50)] +
          ["%d.%d.%d.%d" % (20 + i % 180, i % 251, i * 7 % 253, i % 249 + 1)
           for i in range(250)])
    V6 = (["fd00::%x" % i for i in range(1, 76)] +
          ["2001:db8:%x::%x" % (i, i + 1) for i in range(75)])


def pool(seed=5, n=20000):
    """Frames in bursts, as conversations send them: each pick is
    repeated 1 to 8 times (4.5 on average) before the next."""
    e = BenchEnv(random.Random(seed))
    good = [getattr(pcapgen, k) for k in WEIGHTS]
    weights = list(WEIGHTS.values())
    frames = []
    while len(frames) < n:
        if e.rng.random() < BAD_SHARE:
            kind = e.rng.choice(pcapgen.BAD)
        else:
            kind = e.rng.choices(good, weights)[0]
        burst = [f for f, _, _ in pcapgen._items(kind, e)]
        frames += burst * e.rng.randint(1, 8)
    return [(f[:SNAPLEN], len(f)) for f in frames]


def header(out):
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))


def write_mixed(path, n):
    frames = pool()
    t0 = 1_700_000_000
    with open(path, "wb") as out:
        header(out)
        recs = []
        for i in range(n):
            data, wire = frames[i % len(frames)]
            t_us = i * 2
            recs.append(struct.pack("<IIII", t0 + t_us // 1_000_000,
                                    t_us % 1_000_000, len(data), wire))
            recs.append(data)
            if len(recs) >= 40000:
                out.write(b"".join(recs))
                recs = []
        out.write(b"".join(recs))


def write_hosts(path, n):
    s4 = ["192.0.2.%d" % i for i in range(1, 9)]
    s6 = ["2001:db8::%x" % i for i in range(1, 9)]
    with pcapgen.PcapWriter(path, SNAPLEN) as w:
        for i in range(n):
            l4 = pcapgen.tcp(40000 + i % 20000, 443)
            if i % 4:
                src = str(ipaddress.IPv4Address(0x0A000000 + i))
                f = pcapgen.eth(pcapgen.ETH_IPV4, pcapgen.ipv4(
                    src, s4[i % 8], pcapgen.TCP, l4))
            else:
                src = str(ipaddress.IPv6Address((0xFD00 << 112) + i))
                f = pcapgen.eth(pcapgen.ETH_IPV6, pcapgen.ipv6(
                    src, s6[i % 8], pcapgen.TCP, l4))
            w.write(f, step_us=10)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("mixed", "hosts"):
        sys.exit("usage: gen_capture.py mixed|hosts FILE N")
    (write_mixed if sys.argv[1] == "mixed" else write_hosts)(
        sys.argv[2], int(sys.argv[3]))
