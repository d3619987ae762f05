"""Black-box test of `pilotlight --replay FILE --report json`.

Captures of known content come from tests/lib/pcapgen.py, which counts
what it writes from how it built each frame; the report must equal that
count as a whole JSON object: every kind alone (good and malformed), a
catalogue of all of them, random mixes (full frames and a 128-byte
snaplen), with and without a config.  Then the errors a user can make: a
file that is not a capture, one cut inside a record, a link type that is
not Ethernet, --report other than json.
"""

import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import pcapgen  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"


def replay(path, *extra):
    return subprocess.run([BINARY, "--replay", path, "--report", "json",
                           *extra], capture_output=True, text=True,
                          timeout=120)


class ReplayReport(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pl-replay-")
        self.path = os.path.join(self.tmp.name, "t.pcap")

    def tearDown(self):
        self.tmp.cleanup()

    def report(self, *extra):
        r = replay(self.path, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return json.loads(r.stdout)

    def check(self, fill, snaplen=65535, *extra):
        cap = pcapgen.Capture(self.path, snaplen)
        fill(cap)
        expected = cap.close()
        got = self.report(*extra)
        self.assertEqual(got, expected)
        return got

    def test_each_kind_alone(self):
        for kind in pcapgen.GOOD + pcapgen.BAD:
            with self.subTest(kind=kind.__name__):
                e = pcapgen.Env(random.Random(7))

                def fill(cap):
                    for frame, meta, caplen in pcapgen._items(kind, e):
                        cap.add(frame, meta, caplen)
                got = self.check(fill)
                if kind in pcapgen.BAD:
                    self.assertEqual(got["malformed"], got["frames"])
                    self.assertEqual(got["hosts"], {})

    def test_catalogue(self):
        got = self.check(pcapgen.catalogue)
        self.assertGreater(got["malformed"], 15)
        self.assertGreater(got["vlan"], 0)
        self.assertEqual(got["services"]["tcp/25"]["name"], "smtp")

    def test_mixed(self):
        for seed in (11, 12, 13):
            with self.subTest(seed=seed):
                got = self.check(lambda c: pcapgen.mixed(c, 4000, seed))
                for key in ("arp", "ipv4", "ipv6", "vlan", "malformed"):
                    self.assertGreater(got[key], 0, key)

    def test_mixed_snaplen_128(self):
        """Live capture keeps 128 bytes; counts must not change."""
        self.check(lambda c: pcapgen.mixed(c, 4000, 21), 128)

    def test_service_naming(self):
        """The named port wins, else the lower; names from
        /etc/services."""
        def fill(cap):
            for sp, dp in ((51000, 443), (443, 51000), (22, 80),
                           (40001, 40000), (53, 33000)):
                f = pcapgen.eth(pcapgen.ETH_IPV4, pcapgen.ipv4(
                    "192.168.1.2", "192.0.2.1", pcapgen.TCP,
                    pcapgen.tcp(sp, dp)))
                cap.add(f, pcapgen.Meta("ipv4", proto=pcapgen.TCP,
                                        ports=(sp, dp),
                                        hosts=("192.168.1.2", "192.0.2.1")))
        got = self.check(fill)
        self.assertEqual(got["services"]["tcp/443"],
                         {"name": "https", "packets": 2, "bytes": 120})
        self.assertEqual(got["services"]["tcp/22"]["name"], "ssh")
        self.assertIsNone(got["services"]["tcp/40000"]["name"])
        self.assertEqual(got["services"]["tcp/53"]["name"], "domain")

    def test_with_config(self):
        cfg = os.path.join(self.tmp.name, "p.cfg")
        with open(cfg, "w") as f:
            f.write('hosts = ();\ncapture = { local_networks = '
                    '["192.168.0.0/16", "fd00::/8"]; };\n')
        self.check(lambda c: pcapgen.mixed(c, 500, 5), 65535, "-c", cfg)

    def test_empty_capture(self):
        got = self.check(lambda c: None)
        self.assertEqual(got["frames"], 0)
        self.assertEqual(got["hosts"], {})


class ReplayErrors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pl-replay-")

    def tearDown(self):
        self.tmp.cleanup()

    def file(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_not_a_capture(self):
        path = self.file("notes.txt", b"these are not packets\n" * 10)
        r = replay(path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn(path, r.stderr)
        self.assertIn("not a capture file", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_missing_file(self):
        r = replay(os.path.join(self.tmp.name, "nope.pcap"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.pcap", r.stderr)

    def test_cut_inside_a_record(self):
        path = os.path.join(self.tmp.name, "cut.pcap")
        cap = pcapgen.Capture(path)
        pcapgen.mixed(cap, 50, 3)
        cap.close()
        whole = len(cap.frames) - 1
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 7)
        r = replay(path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("truncated", r.stderr)
        self.assertEqual(json.loads(r.stdout)["frames"], whole)

    def test_not_ethernet(self):
        hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105)
        r = replay(self.file("wifi.pcap", hdr))
        self.assertEqual(r.returncode, 1)
        self.assertIn("only Ethernet", r.stderr)

    def test_report_must_be_json(self):
        path = self.file("e.pcap", struct.pack(
            "<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        r = subprocess.run([BINARY, "--replay", path, "--report", "xml"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--report must be json", r.stderr)
        r = subprocess.run([BINARY, "--report", "json"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("need --replay", r.stderr)


if __name__ == "__main__":
    test_main()
