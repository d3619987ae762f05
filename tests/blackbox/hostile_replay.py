"""Black-box test: `--replay` of a capture with 400 000 hosts counts every
one of them below --max-hosts, evicts only at the bound, and prints the
same report, byte for byte, every run.

The capture (tests/lib/pcapgen.py many_hosts(): 400 000 distinct IPv4
and IPv6 senders, one UDP frame each, to two servers; a few seconds to
write) is made once.  Then:

  - default --max-hosts (1 048 576) and --max-hosts exactly the number of
    hosts: "hosts" equals what the generator wrote (every host with its
    packets and bytes), nothing on stderr, two runs byte-identical;
  - --max-hosts below it: exactly that many hosts are listed, the servers
    (the heaviest) among them with their full counts, every listed host
    with its exact counts, stderr says hosts - bound were evicted (one per
    newcomer once full, none before), and two runs are byte-identical.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import pcapgen  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
N = 400000
SERVERS = ("10.0.0.1", "2001:db8::53")


class ManyHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="pl-hreplay-")
        cls.path = os.path.join(cls.tmp.name, "many.pcap")
        cls.hosts = pcapgen.many_hosts(cls.path, N)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def replay(self, *extra):
        r = subprocess.run([BINARY, "--replay", self.path, "--report",
                            "json", *extra], capture_output=True,
                           timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout, r.stderr.decode()

    def twice(self, *extra):
        """The report and stderr; the second run must print the same."""
        out, err = self.replay(*extra)
        out2, err2 = self.replay(*extra)
        self.assertTrue(out == out2, "two runs of %s differ" % (extra,))
        self.assertEqual(err, err2)
        return json.loads(out), err

    def test_every_host_counted(self):
        self.assertEqual(len(self.hosts), N + 2)
        for extra in ((), ("--max-hosts", str(N + 2))):
            with self.subTest(extra=extra):
                got, err = self.twice(*extra)
                self.assertEqual(err, "")
                self.assertEqual(len(got["hosts"]), N + 2)
                self.assertEqual(got["hosts"], self.hosts)
                self.assertEqual(got["frames"], N)

    def test_evicts_only_at_the_bound(self):
        for bound in (300000, 1000):
            with self.subTest(bound=bound):
                got, err = self.twice("--max-hosts", str(bound))
                self.assertIn("table bound reached: %d hosts and 0 "
                              "services evicted" % (N + 2 - bound), err)
                self.assertEqual(len(got["hosts"]), bound)
                for s in SERVERS:
                    self.assertEqual(got["hosts"][s], self.hosts[s])
                for addr, counts in got["hosts"].items():
                    self.assertEqual(counts, self.hosts[addr], addr)


if __name__ == "__main__":
    test_main()
