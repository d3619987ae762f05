"""Write pcap captures of known content and count what they hold.

Every frame is built here from its parts, so the generator knows what each
one is without decoding anything: a Tally adds the frame's facts (kind,
tags, protocol, service, hosts) as it is written, and expected() returns
the JSON document `pilotlight --replay FILE --report json` must print.
Python 3 standard library only.

  catalogue(w)         one of every kind, malformed ones included
  mixed(w, n, seed)    n random frames drawn from the same kinds
  many_hosts(path, n)  n distinct hosts sending to two servers (fast)
  pcapgen.py corpus DIR   one file per frame (the fuzz seed corpus)

Counting rules (they mirror the issue and src/traffic/account.c): a
malformed frame counts in frames, bytes, vlan and malformed only; hosts
count IP and ARP (sender/target) addresses, unspecified ones skipped and a
frame counted once for an address that is both ends; services are tcp/udp
frames with ports, keyed by the port with a name in /etc/services (the
lower when both or neither have one).
"""

import ipaddress
import random
import socket
import struct
import sys

ETH_IPV4, ETH_ARP, ETH_IPV6 = 0x0800, 0x0806, 0x86DD
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6


# ---- the capture file -------------------------------------------------

class PcapWriter:
    """Classic libpcap format, microsecond timestamps, Ethernet."""

    def __init__(self, path, snaplen=65535):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.t_us = 1_700_000_000 * 1_000_000
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                 snaplen, 1))

    def write(self, data, wire_len=None, caplen=None, step_us=1000):
        wire = len(data) if wire_len is None else wire_len
        cap = min(len(data), self.snaplen if caplen is None else caplen)
        self.f.write(struct.pack("<IIII", self.t_us // 1_000_000,
                                 self.t_us % 1_000_000, cap, wire))
        self.f.write(data[:cap])
        self.t_us += step_us
        return cap, wire

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- frame builders ---------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(etype, payload, tags=(), dst=MAC_B, src=MAC_A, pad=True):
    """tags: (tpid, vid) outermost first."""
    hdr = dst + src
    for tpid, vid in tags:
        hdr += struct.pack("!HH", tpid, vid & 0xFFF)
    frame = hdr + struct.pack("!H", etype) + payload
    if pad and len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def ipv4(src, dst, proto, payload, options=b"", frag=0, mf=False,
         ihl=None, total=None, version=4, ttl=64, ident=0x1234):
    opts = options + b"\0" * (-len(options) % 4)
    hl = 20 + len(opts)
    ihl = hl // 4 if ihl is None else ihl
    total = hl + len(payload) if total is None else total
    flags = (frag // 8) | (0x2000 if mf else 0)
    h = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, total, ident,
                    flags, ttl, proto, 0, ipaddress.IPv4Address(src).packed,
                    ipaddress.IPv4Address(dst).packed) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None, version=6):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", version << 28, plen, nh, 64,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def ext(nh, body=b"\0" * 6, units=None):
    """A generic extension header (HBH, routing, dest opts): body pads to
    a multiple of 8 with the two leading bytes."""
    body = body + b"\0" * (-(len(body) + 2) % 8)
    n = (len(body) + 2) // 8 - 1 if units is None else units
    return struct.pack("!BB", nh, n) + body


def frag6(nh, offset=0, more=False):
    return struct.pack("!BBHI", nh, 0, offset | (1 if more else 0), 0xABCD)


def ah(nh, icv=b"\0" * 12):
    return struct.pack("!BBHII", nh, (12 + len(icv)) // 4 - 2, 0, 0x100,
                       1) + icv


def tcp(sport, dport, flags=0x18, payload=b"", doff=5, seq=1):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags,
                       65535, 0, 0) + b"\0" * max(0, doff * 4 - 20) + payload


def udp(sport, dport, payload=b"", ulen=None):
    ulen = 8 + len(payload) if ulen is None else ulen
    return struct.pack("!HHHH", sport, dport, ulen, 0) + payload


def icmp(typ=8, payload=b"pilotlight"):
    h = struct.pack("!BBHHH", typ, 0, 0, 1, 1) + payload
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def arp(op, sha, spa, tpa, tha=b"\0" * 6, htype=1, ptype=0x0800):
    return struct.pack("!HHBBH6s4s6s4s", htype, ptype, 6, 4, op, sha,
                       ipaddress.IPv4Address(spa).packed, tha,
                       ipaddress.IPv4Address(tpa).packed)


# ---- what a frame is, and the tally -----------------------------------

def service_port(proto, sport, dport):
    name = "tcp" if proto == TCP else "udp"

    def named(p):
        try:
            socket.getservbyport(p, name)
            return True
        except OSError:
            return False
    ns, nd = named(sport), named(dport)
    if ns != nd:
        return sport if ns else dport
    return min(sport, dport)


def service_name(proto, port):
    try:
        return socket.getservbyport(port, "tcp" if proto == TCP else "udp")
    except OSError:
        return None


class Meta:
    """The facts of one frame, as its builder knows them."""

    def __init__(self, kind, vlan=False, malformed=False, proto=None,
                 ports=None, hosts=()):
        self.kind = kind            # "arp", "ipv4", "ipv6", "other"
        self.vlan = vlan
        self.malformed = malformed
        self.proto = proto          # IP protocol number or None
        self.ports = ports          # (sport, dport) when the ports count
        self.hosts = hosts          # (src, dst) address strings


def addr_key(a):
    ip = ipaddress.ip_address(a)
    return None if ip.is_unspecified else str(ip)


class Tally:
    def __init__(self):
        self.t = {"frames": 0, "bytes": 0, "malformed": 0, "vlan": 0,
                  "arp": 0, "ipv4": 0, "ipv6": 0}
        self.protocols = {p: {"packets": 0, "bytes": 0}
                          for p in ("tcp", "udp", "icmp")}
        self.services = {}
        self.hosts = {}

    def add(self, m, wire):
        t = self.t
        t["frames"] += 1
        t["bytes"] += wire
        t["vlan"] += int(m.vlan)
        if m.malformed:
            t["malformed"] += 1
            return
        if m.kind in ("arp", "ipv4", "ipv6"):
            t[m.kind] += 1
        pname = {TCP: "tcp", UDP: "udp", ICMP: "icmp",
                 ICMPV6: "icmp"}.get(m.proto)
        if pname and m.kind in ("ipv4", "ipv6"):
            self._bump(self.protocols[pname], wire)
        if m.ports and m.proto in (TCP, UDP):
            port = service_port(m.proto, *m.ports)
            key = "%s/%d" % ("tcp" if m.proto == TCP else "udp", port)
            s = self.services.setdefault(key, {
                "name": service_name(m.proto, port),
                "packets": 0, "bytes": 0})
            self._bump(s, wire)
        for a in dict.fromkeys(filter(None, map(addr_key, m.hosts))):
            self._bump(self.hosts.setdefault(a, {"packets": 0, "bytes": 0}),
                       wire)

    @staticmethod
    def _bump(d, wire):
        d["packets"] += 1
        d["bytes"] += wire

    def expected(self):
        return dict(self.t, protocols=self.protocols,
                    services=self.services, hosts=self.hosts)


class Capture:
    """A PcapWriter that tallies what it writes."""

    def __init__(self, path, snaplen=65535):
        self.w = PcapWriter(path, snaplen)
        self.tally = Tally()
        self.frames = []            # raw frames, for a fuzz corpus

    def add(self, frame, meta, caplen=None, wire_len=None):
        cap, wire = self.w.write(frame, wire_len, caplen)
        self.tally.add(meta, wire)
        self.frames.append(frame[:cap])

    def close(self):
        self.w.close()
        return self.tally.expected()


# ---- the kinds of frame -----------------------------------------------

class Env:
    """Random addresses, ports and tags for the kinds."""

    V4 = ["192.168.1.10", "192.168.1.20", "10.0.0.5", "172.16.3.4",
          "8.8.8.8", "93.184.216.34", "1.1.1.1", "203.0.113.7"]
    V6 = ["fd00::10", "fd00::20", "2001:db8::1", "2001:db8:1::53",
          "2606:4700::1111", "fe80::1"]
    SERVICE_PORTS = [22, 25, 53, 80, 123, 443, 993, 5353, 8080]

    def __init__(self, rng):
        self.rng = rng

    def v4(self):
        return self.rng.sample(self.V4, 2)

    def v6(self):
        return self.rng.sample(self.V6, 2)

    def ports(self):
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(self.SERVICE_PORTS), \
                self.rng.randint(32768, 60999)
        if r < 0.8:
            return self.rng.randint(32768, 60999), \
                self.rng.choice(self.SERVICE_PORTS)
        if r < 0.9:
            return tuple(self.rng.sample(self.SERVICE_PORTS, 2))
        return self.rng.randint(1024, 65535), self.rng.randint(1024, 65535)

    # Where the odds of no tag, one 802.1Q tag and an 802.1ad pair end;
    # the rest is an old-style 0x9100 pair.
    TAG_ODDS = (0.70, 0.85, 0.95)

    def tags(self):
        r = self.rng.random()
        none, one, qinq = self.TAG_ODDS
        if r < none:
            return ()
        if r < one:
            return ((0x8100, self.rng.randint(1, 4094)),)
        if r < qinq:
            return ((0x88A8, 100), (0x8100, self.rng.randint(1, 4094)))
        return ((0x9100, 7), (0x8100, 8))

    def payload(self, lo=0, hi=200):
        return bytes(self.rng.getrandbits(8)
                     for _ in range(self.rng.randint(lo, hi)))


def _ip_meta(kind, tags, proto, hosts, ports=None):
    return Meta(kind, vlan=bool(tags), proto=proto, ports=ports, hosts=hosts)


def _bad(tags=()):
    return Meta("bad", vlan=bool(tags), malformed=True)


def k_tcp4(e):
    (s, d), (sp, dp), t = e.v4(), e.ports(), e.tags()
    f = eth(ETH_IPV4, ipv4(s, d, TCP, tcp(sp, dp, payload=e.payload())), t)
    return f, _ip_meta("ipv4", t, TCP, (s, d), (sp, dp))


def k_udp4(e):
    (s, d), (sp, dp), t = e.v4(), e.ports(), e.tags()
    f = eth(ETH_IPV4, ipv4(s, d, UDP, udp(sp, dp, e.payload())), t)
    return f, _ip_meta("ipv4", t, UDP, (s, d), (sp, dp))


def k_icmp4(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, ICMP, icmp()), t), \
        _ip_meta("ipv4", t, ICMP, (s, d))


def k_opts4(e):
    """Options: NOP, router alert, record route, EOL."""
    (s, d), (sp, dp), t = e.v4(), e.ports(), e.tags()
    opts = b"\x01\x94\x04\x00\x00" + b"\x07\x0b\x04" + b"\0" * 8 + b"\x00"
    f = eth(ETH_IPV4, ipv4(s, d, TCP, tcp(sp, dp), options=opts), t)
    return f, _ip_meta("ipv4", t, TCP, (s, d), (sp, dp))


def k_frag4(e):
    """A UDP datagram in three fragments: ports only in the first."""
    (s, d), (sp, dp), t = e.v4(), e.ports(), e.tags()
    data = udp(sp, dp, e.payload(40, 40))
    out = []
    for off, mf in ((0, True), (16, True), (32, False)):
        chunk = data[off:off + 16] if mf else data[off:]
        out.append((eth(ETH_IPV4, ipv4(s, d, UDP, chunk, frag=off, mf=mf),
                        t),
                    _ip_meta("ipv4", t, UDP, (s, d),
                             (sp, dp) if off == 0 else None)))
    return out


def k_tcp6(e):
    """TCP right after the IPv6 header; or hop-by-hop, routing and
    destination options before it; or just hop-by-hop."""
    (s, d), (sp, dp), t = e.v6(), e.ports(), e.tags()
    l4 = tcp(sp, dp, payload=e.payload())
    r = e.rng.random()
    if r < 1 / 3:
        f = eth(ETH_IPV6, ipv6(s, d, TCP, l4), t)
        return f, _ip_meta("ipv6", t, TCP, (s, d), (sp, dp))
    if r < 2 / 3:
        chain = ext(43) + ext(60) + ext(TCP, b"\x01\x02\0\0" + b"\0" * 10)
    else:
        chain = ext(TCP)
    f = eth(ETH_IPV6, ipv6(s, d, 0, chain + l4), t)
    return f, _ip_meta("ipv6", t, TCP, (s, d), (sp, dp))


def k_udp6(e):
    (s, d), (sp, dp), t = e.v6(), e.ports(), e.tags()
    f = eth(ETH_IPV6, ipv6(s, d, UDP, udp(sp, dp, e.payload())), t)
    return f, _ip_meta("ipv6", t, UDP, (s, d), (sp, dp))


def k_icmp6(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, ICMPV6, icmp(128)), t), \
        _ip_meta("ipv6", t, ICMPV6, (s, d))


def k_frag6(e):
    (s, d), (sp, dp), t = e.v6(), e.ports(), e.tags()
    data = udp(sp, dp, e.payload(24, 24))
    first = eth(ETH_IPV6, ipv6(s, d, 44, frag6(UDP, 0, True) + data[:16]),
                t)
    rest = eth(ETH_IPV6, ipv6(s, d, 44, frag6(UDP, 16, False) + data[16:]),
               t)
    return [(first, _ip_meta("ipv6", t, UDP, (s, d), (sp, dp))),
            (rest, _ip_meta("ipv6", t, UDP, (s, d)))]


def k_ah6(e):
    (s, d), (sp, dp), t = e.v6(), e.ports(), e.tags()
    f = eth(ETH_IPV6, ipv6(s, d, 51, ah(TCP) + tcp(sp, dp)), t)
    return f, _ip_meta("ipv6", t, TCP, (s, d), (sp, dp))


def k_other_ip(e):
    """ESP over IPv6, no-next-header, GRE over IPv4: no protocol count."""
    (s, d), (s4, d4), t = e.v6(), e.v4(), e.tags()
    return [(eth(ETH_IPV6, ipv6(s, d, 50, e.payload(16, 64)), t),
             _ip_meta("ipv6", t, 50, (s, d))),
            (eth(ETH_IPV6, ipv6(s, d, 59, b""), t),
             _ip_meta("ipv6", t, 59, (s, d))),
            (eth(ETH_IPV4, ipv4(s4, d4, 47, e.payload(4, 64)), t),
             _ip_meta("ipv4", t, 47, (s4, d4)))]


def k_arp(e):
    (s, d), t = e.v4(), e.tags()
    req = arp(1, MAC_A, s, d)
    rep = arp(2, MAC_B, d, s, MAC_A)
    grat = arp(1, MAC_A, s, s)
    probe = arp(1, MAC_A, "0.0.0.0", d)
    out = [(eth(ETH_ARP, p, t, dst=BCAST),
            Meta("arp", vlan=bool(t), hosts=h))
           for p, h in ((req, (s, d)), (rep, (d, s)), (grat, (s, s)),
                        (probe, ("0.0.0.0", d)))]
    odd = arp(1, MAC_A, s, d, htype=6)
    out.append((eth(ETH_ARP, odd, t), Meta("arp", vlan=bool(t))))
    return out


def k_other_l2(e):
    t = e.tags()
    lldp = eth(0x88CC, b"\x02\x07\x04" + MAC_A + b"\0\0", t)
    llc = eth(38, b"\x42\x42\x03" + b"\0" * 35, t)  # 802.3 length field
    return [(lldp, Meta("other", vlan=bool(t))),
            (llc, Meta("other", vlan=bool(t)))]


def k_snapped(e):
    """Fine frames the snaplen cut: counted, but no ports where the
    transport header was not captured, and no protocol where the IPv6
    extension headers hide it."""
    (s, d), (sp, dp), t = e.v4(), e.ports(), e.tags()
    (s6, d6) = e.v6()
    f4 = eth(ETH_IPV4, ipv4(s, d, TCP, tcp(sp, dp, payload=e.payload(60))),
             t)
    f6 = eth(ETH_IPV6, ipv6(s6, d6, 0, ext(60, b"\0" * 30) +
                            ext(UDP) + udp(sp, dp, e.payload(60))), t)
    l2 = 14 + 4 * len(t)
    return [(f4, _ip_meta("ipv4", t, TCP, (s, d)), l2 + 20 + 10),
            (f6, _ip_meta("ipv6", t, None, (s6, d6)), l2 + 40 + 20)]


# ---- malformed frames -------------------------------------------------
# Each returns (frame, meta) with the lie described; caplen == wire.

def m_runt(e):
    return MAC_B + MAC_A[:3], _bad()


def m_tag_cut(e):
    return (MAC_B + MAC_A + b"\x81\x00\x00"), _bad(((0x8100, 0),))


def m_ipv4_cut(e):
    t = e.tags()
    return eth(ETH_IPV4, b"\x45\x00\x00\x30" + b"\0" * 6, t, pad=False), \
        _bad(t)


def m_ihl(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(1, 2), ihl=4), t), _bad(t)


def m_total_long(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(1, 2), total=1000), t), \
        _bad(t)


def m_total_short(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(1, 2), total=12), t), _bad(t)


def m_version4(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(1, 2), version=6), t), _bad(t)


def m_opt_len(e):
    (s, d), t = e.v4(), e.tags()
    opts = e.rng.choice([b"\x07\x00\x04\x00", b"\x01\x44\x20\x05"])
    return eth(ETH_IPV4, ipv4(s, d, TCP, tcp(80, 8080), options=opts), t), \
        _bad(t)


def m_frag_overflow(e):
    (s, d), t = e.v4(), e.tags()
    f = ipv4(s, d, UDP, b"\0" * 64, frag=65528, mf=False)
    return eth(ETH_IPV4, f, t), _bad(t)


def m_tcp_cut(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, TCP, tcp(80, 1234)[:12]), t), _bad(t)


def m_tcp_doff(e):
    (s, d), t = e.v4(), e.tags()
    doff = e.rng.choice([2, 15])
    l4 = tcp(80, 1234)
    l4 = l4[:12] + bytes([doff << 4]) + l4[13:]
    return eth(ETH_IPV4, ipv4(s, d, TCP, l4), t), _bad(t)


def m_udp_len(e):
    (s, d), t = e.v4(), e.tags()
    ulen = e.rng.choice([4, 400])
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(53, 999, b"x" * 8, ulen=ulen)),
               t), _bad(t)


def m_icmp_cut(e):
    (s, d), t = e.v4(), e.tags()
    return eth(ETH_IPV4, ipv4(s, d, ICMP, b"\x08\x00"), t), _bad(t)


def m_ipv6_cut(e):
    t = e.tags()
    return eth(ETH_IPV6, b"\x60" + b"\0" * 30, t, pad=False), _bad(t)


def m_ipv6_plen(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, UDP, udp(1, 2), plen=900), t), _bad(t)


def m_version6(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, UDP, udp(1, 2), version=4), t), _bad(t)


def m_ext_len(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, 0, ext(UDP, units=9) + udp(1, 2)), t), \
        _bad(t)


def m_ext_cut(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, 60, b"\x11\x00\x00"), t), _bad(t)


def m_udp6_len(e):
    (s, d), t = e.v6(), e.tags()
    return eth(ETH_IPV6, ipv6(s, d, UDP, udp(1, 2, ulen=300)), t), _bad(t)


def m_arp_cut(e):
    t = e.tags()
    return eth(ETH_ARP, arp(1, MAC_A, "10.0.0.1", "10.0.0.2")[:20], t,
               pad=False), _bad(t)


def m_qinq_bad(e):
    (s, d) = e.v4()
    t = ((0x88A8, 10), (0x8100, 20))
    return eth(ETH_IPV4, ipv4(s, d, UDP, udp(1, 2), ihl=3), t), _bad(t)


GOOD = [k_tcp4, k_udp4, k_icmp4, k_opts4, k_frag4, k_tcp6, k_udp6,
        k_icmp6, k_frag6, k_ah6, k_other_ip, k_arp, k_other_l2, k_snapped]
BAD = [m_runt, m_tag_cut, m_ipv4_cut, m_ihl, m_total_long, m_total_short,
       m_version4, m_opt_len, m_frag_overflow, m_tcp_cut, m_tcp_doff,
       m_udp_len, m_icmp_cut, m_ipv6_cut, m_ipv6_plen, m_version6,
       m_ext_len, m_ext_cut, m_udp6_len, m_arp_cut, m_qinq_bad]


def _items(kind, e):
    """A kind's frames as (frame, meta, caplen or None)."""
    r = kind(e)
    items = r if isinstance(r, list) else [r]
    return [it if len(it) == 3 else (it[0], it[1], None) for it in items]


def catalogue(cap, seed=1):
    """Every kind once, good and bad."""
    e = Env(random.Random(seed))
    for kind in GOOD + BAD:
        for frame, meta, caplen in _items(kind, e):
            cap.add(frame, meta, caplen)


def mixed(cap, n, seed=2, bad_share=0.1):
    """About n frames drawn at random from the kinds."""
    e = Env(random.Random(seed))
    written = 0
    while written < n:
        pool = BAD if e.rng.random() < bad_share else GOOD
        for frame, meta, caplen in _items(e.rng.choice(pool), e):
            cap.add(frame, meta, caplen)
            written += 1


def many_hosts(path, n, seed=3, snaplen=128):
    """Write n distinct hosts, each sending one UDP frame (25 to 224 bytes
    of payload) to a server, 10.0.0.1 or 2001:db8::53, port 53: addresses
    drawn without repeats, every 8th an IPv6 one in 2001:db8::/32 with
    random low bits, the others from 100.64.0.0/10 (shared address space:
    far from the local networks, nothing in the sequence to help a hash).
    Built from byte templates, not through Capture, so that hundreds of
    thousands take seconds.  Returns the report's "hosts" (n + 2 of them:
    the servers too)."""
    rng = random.Random(seed)
    v4 = rng.sample(range(1 << 22), n - n // 8)
    v6 = set()
    while len(v6) < n // 8:
        v6.add(rng.getrandbits(96))
    v6 = sorted(v6)
    rng.shuffle(v6)
    srv4, srv6 = socket.inet_pton(socket.AF_INET, "10.0.0.1"), \
        socket.inet_pton(socket.AF_INET6, "2001:db8::53")
    hosts = {}
    with PcapWriter(path, snaplen) as w:
        for i in range(n):
            pay = b"q" * (25 + rng.randrange(200))
            u = udp(40000, 53, pay)
            if i % 8 == 7:
                src = ((0x20010DB8 << 96) | v6.pop()).to_bytes(16, "big")
                f = eth(ETH_IPV6, struct.pack("!IHBB16s16s", 6 << 28, len(u),
                                              UDP, 64, src, srv6) + u)
                key, srv = socket.inet_ntop(socket.AF_INET6, src), srv6
            else:
                src = ((100 << 24 | 64 << 16) + v4.pop()).to_bytes(4, "big")
                h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), i & 0xFFFF,
                                0, 64, UDP, 0, src, srv4)
                f = eth(ETH_IPV4, h[:10] + struct.pack("!H", csum(h)) +
                        h[12:] + u)
                key, srv = socket.inet_ntop(socket.AF_INET, src), srv4
            _, wire = w.write(f)
            hosts[key] = {"packets": 1, "bytes": wire}
            s = hosts.setdefault(socket.inet_ntop(
                socket.AF_INET6 if len(srv) == 16 else socket.AF_INET, srv),
                {"packets": 0, "bytes": 0})
            s["packets"] += 1
            s["bytes"] += wire
    return hosts


# ---- command line: the fuzz seed corpus --------------------------------

def dhcp(op, msg_type, yiaddr="0.0.0.0", hostname=None, chaddr=MAC_A):
    """A DHCP message (RFC 2131) with option 53 and maybe 12."""
    msg = struct.pack("!BBBBIHH4s4s8s16s192s", op, 1, 6, 0, 0x3903F326, 0,
                      0x8000, b"\0" * 4,
                      ipaddress.IPv4Address(yiaddr).packed, b"",
                      chaddr, b"") + bytes.fromhex("63825363")
    msg += bytes([53, 1, msg_type])
    if hostname is not None:
        msg += bytes([12, len(hostname)]) + hostname
    return msg + b"\xff"


def mdns_response(name, addr):
    """An mDNS announcement: NAME.local A ADDR (cache-flush), then an
    AAAA for the same owner by a compression pointer."""
    owner = b"".join(bytes([len(p)]) + p for p in (name, b"local")) + b"\0"
    msg = struct.pack("!HHHHHH", 0, 0x8400, 0, 2, 0, 0) + owner
    msg += struct.pack("!HHIH", 1, 0x8001, 120, 4)
    msg += ipaddress.IPv4Address(addr).packed
    msg += struct.pack("!HHHIH", 0xC00C, 28, 0x8001, 120, 16)
    return msg + ipaddress.IPv6Address("fd00::5").packed


def name_frames():
    """Frames that carry names (src/traffic/names_wire.c): seeds only."""
    bcast = b"\xff" * 6
    return [
        eth(0x0800, ipv4("0.0.0.0", "255.255.255.255", 17,
                         udp(68, 67, dhcp(1, 3, hostname=b"printer-3f"))),
            dst=bcast),
        eth(0x0800, ipv4("10.0.0.1", "255.255.255.255", 17,
                         udp(67, 68, dhcp(2, 5, "10.0.0.60",
                                          hostname=b"printer-3f"))),
            dst=bcast, src=MAC_B),
        eth(0x0800, ipv4("10.0.0.5", "224.0.0.251", 17,
                         udp(5353, 5353, mdns_response(b"nas-7",
                                                       "10.0.0.5"))),
            dst=bytes.fromhex("01005e0000fb")),
    ]


def write_corpus(directory):
    """Every generated frame as one fuzz input: two bytes of extra wire
    length (0) and the frame (see tests/fuzz/fuzz_decode.c)."""
    import hashlib
    import os
    import tempfile
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cap = Capture(os.path.join(tmp, "c.pcap"))
        catalogue(cap)
        mixed(cap, 300, seed=99)
        cap.close()
    frames = cap.frames + name_frames()
    for frame in frames:
        data = b"\0\0" + frame
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    return len(frames)


def main(argv):
    if len(argv) == 2 and argv[0] == "corpus":
        print("%d seed inputs in %s" % (write_corpus(argv[1]), argv[1]))
    else:
        print("usage: pcapgen.py corpus DIR", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
