"""Captures for the benches (not executable: tests/bench/replay and
tests/bench/memory run it).  Python 3 stdlib only.

  gen_capture.py lan FILE N [SNAPLEN]
        N frames as a LAN uplink's mirror shows them, cycling through a
        pool of 20000 (lan_pool()): bulk TCP (1448-byte segments, an ACK
        back after every two), pure ACKs, small requests and replies, DNS
        and QUIC over UDP, IPv4 and IPv6, 29% with an 802.1Q tag and 1%
        with two, and the rare rest (ICMP, ARP, LLDP, IPv4 options and
        fragments, IPv6 extension headers, 0.1% malformed) between 600
        hosts.  Frames repeated within a burst carry new IP
        identifications and TCP sequence numbers.  SNAPLEN (default 0:
        whole frames, as tcpdump -w writes them) cuts them, 128 like the
        daemon's capture.
  gen_capture.py stress FILE N  N frames cycling through a pool of 20000
                                random frames of every kind from
                                tests/lib/pcapgen.py (WEIGHTS: every
                                IPv6 TCP frame but a third with extension
                                headers, 30% tagged, half of those twice,
                                1% malformed), in bursts of 1-8 identical
                                frames, cut to a 128-byte snaplen: the
                                decoder's long ways, more than a LAN has
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


def stress_pool(seed=5, n=20000):
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


class LanEnv(BenchEnv):
    """BenchEnv's hosts; tags as an access port's mirror has them: 70%
    none, 29% one, 1% an 802.1ad pair."""
    TAG_ODDS = (0.70, 0.99, 1.0)


MSS = 1448


def _conv(e, v6):
    """A conversation: (addresses, ports, tags, first IP id, first seq)."""
    s, d = e.v6() if v6 else e.v4()
    sp, dp = e.ports()
    return (s, d), (sp, dp), e.tags(), e.rng.randint(0, 65535), \
        e.rng.randint(0, 1 << 31)


def _seg(v6, hosts, ports, tags, ident, seq, payload_len, back=False,
         flags=0x18):
    """One TCP segment of a conversation; back: the other direction."""
    (s, d), (sp, dp) = hosts, ports
    if back:
        s, d, sp, dp = d, s, dp, sp
    l4 = pcapgen.tcp(sp, dp, flags, b"\0" * payload_len, seq=seq & 0xFFFFFFFF)
    if v6:
        return pcapgen.eth(pcapgen.ETH_IPV6,
                           pcapgen.ipv6(s, d, pcapgen.TCP, l4), tags)
    return pcapgen.eth(pcapgen.ETH_IPV4, pcapgen.ipv4(
        s, d, pcapgen.TCP, l4, ident=ident & 0xFFFF), tags)


def _dgram(v6, hosts, ports, tags, ident, payload_len):
    (s, d), (sp, dp) = hosts, ports
    l4 = pcapgen.udp(sp, dp, b"\0" * payload_len)
    if v6:
        return pcapgen.eth(pcapgen.ETH_IPV6,
                           pcapgen.ipv6(s, d, pcapgen.UDP, l4), tags)
    return pcapgen.eth(pcapgen.ETH_IPV4, pcapgen.ipv4(
        s, d, pcapgen.UDP, l4, ident=ident & 0xFFFF), tags)


def lan_bulk(e, v6):
    """A window of 2-16 full segments, an ACK back after every two."""
    h, p, t, ident, seq = _conv(e, v6)
    out = []
    for i in range(e.rng.randint(2, 16)):
        out.append(_seg(v6, h, p, t, ident + i, seq + i * MSS, MSS))
        if i % 2:
            out.append(_seg(v6, h, p, t, ident + 1000 + i, 1, 0, back=True,
                            flags=0x10))
    return out


def lan_acks(e, v6):
    h, p, t, ident, seq = _conv(e, v6)
    return [_seg(v6, h, p, t, ident + i, seq, 0, flags=0x10)
            for i in range(e.rng.randint(1, 4))]


def lan_small(e, v6):
    """A request and its reply."""
    h, p, t, ident, seq = _conv(e, v6)
    return [_seg(v6, h, p, t, ident, seq, e.rng.randint(1, 600)),
            _seg(v6, h, p, t, ident + 1, 1, e.rng.randint(1, 600), back=True)]


def lan_dns(e, v6):
    h, (sp, _), t, ident, _ = _conv(e, v6)
    return [_dgram(v6, h, (sp, 53), t, ident, e.rng.randint(20, 60)),
            _dgram(v6, h, (sp, 53), t, ident + 1, e.rng.randint(40, 300))]


def lan_quic(e, v6):
    h, (sp, _), t, ident, _ = _conv(e, v6)
    return [_dgram(v6, h, (sp, 443), t, ident + i,
                   e.rng.randint(1200, 1350))
            for i in range(e.rng.randint(2, 10))]


# Picks per 100; a pick writes a burst (bulk: 2-16 segments and the ACKs).
LAN_WEIGHTS = [
    (lambda e: lan_bulk(e, False), 18), (lambda e: lan_acks(e, False), 22),
    (lambda e: lan_small(e, False), 10), (lambda e: lan_bulk(e, True), 6),
    (lambda e: lan_acks(e, True), 7), (lambda e: lan_small(e, True), 3),
    (lambda e: lan_dns(e, False), 6), (lambda e: lan_quic(e, False), 4),
    (lambda e: lan_dns(e, True), 2), (lambda e: lan_quic(e, True), 1.5),
    (pcapgen.k_icmp4, 1), (pcapgen.k_icmp6, 1), (pcapgen.k_arp, 0.8),
    (pcapgen.k_other_l2, 0.3), (pcapgen.k_opts4, 0.1),
    (pcapgen.k_frag4, 0.1), (pcapgen.k_frag6, 0.05),
    (pcapgen.k_tcp6, 0.2), (pcapgen.k_ah6, 0.02),
]
LAN_BAD_SHARE = 0.001


def lan_pool(seed=7, n=20000):
    e = LanEnv(random.Random(seed))
    kinds = [k for k, _ in LAN_WEIGHTS]
    weights = [w for _, w in LAN_WEIGHTS]
    frames = []
    while len(frames) < n:
        if e.rng.random() < LAN_BAD_SHARE:
            frames += [f for f, _, _ in pcapgen._items(
                e.rng.choice(pcapgen.BAD), e)]
            continue
        kind = e.rng.choices(kinds, weights)[0]
        if kind in pcapgen.__dict__.values():   # frames with their meta
            frames += [f for f, _, _ in pcapgen._items(kind, e)]
        else:
            frames += kind(e)
    return [(f, len(f)) for f in frames]


def header(out, snaplen):
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))


def write_capture(path, n, frames, snaplen):
    """n records cycling through frames, cut to snaplen (0: whole),
    500 000 frames a second."""
    t0 = 1_700_000_000
    with open(path, "wb") as out:
        header(out, snaplen or 65535)
        recs = []
        for i in range(n):
            data, wire = frames[i % len(frames)]
            if snaplen:
                data = data[:snaplen]
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


def main():
    usage = "usage: gen_capture.py lan FILE N [SNAPLEN] | stress|hosts FILE N"
    if len(sys.argv) < 4 or sys.argv[1] not in ("lan", "stress", "hosts"):
        sys.exit(usage)
    kind, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "lan":
        snap = int(sys.argv[4]) if len(sys.argv) > 4 else 0
        write_capture(path, n, lan_pool(), snap)
    elif kind == "stress":
        write_capture(path, n, stress_pool(), SNAPLEN)
    else:
        write_hosts(path, n)


if __name__ == "__main__":
    main()
