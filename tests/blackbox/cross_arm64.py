"""The 64-bit Raspberry Pi build: cross-compile for arm64 and run the unit
tests (hardware fakes included) under qemu-user.

    python3 tests/blackbox/cross_arm64.py [--binary IGNORED]

Runs `make test-cross ARCH=arm64` (installs the cross compiler and
qemu-user-static if missing and unpacks the arm64 sysroot once, see
.ci/sysroot), then checks the cross-built daemon itself under qemu: it is
an AArch64 executable, prints its version and accepts the shipped
configuration.  Prints how long the build and the qemu run took.  Under
`make test-asan` (PL_SANITIZED=1) it has nothing to add and says so.
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pilotlight import test_main  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build-arm64")
SYSROOT = os.path.join("/var/cache" if os.geteuid() == 0 else
                       os.path.expanduser("~/.cache"),
                       "pilotlight", "sysroot-arm64")   # as the Makefile


def clean_env():
    """The environment without the outer make's jobserver."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def qemu(*args):
    return subprocess.run(["qemu-aarch64-static", "-L", SYSROOT,
                           os.path.join(BUILD, "pilotlight"), *args],
                          capture_output=True, text=True, timeout=60)


class CrossArm64(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.environ.get("PL_SANITIZED"):
            raise unittest.SkipTest("the sanitizer run does not repeat the "
                                    "arm64 build")
        t0 = time.monotonic()
        cls.r = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "-j2", "test-cross",
                                "ARCH=arm64"], capture_output=True,
                               text=True, timeout=1200, env=clean_env())
        cls.seconds = time.monotonic() - t0
        print(cls.r.stdout[-3000:])
        print(cls.r.stderr[-3000:], file=sys.stderr)
        print("make test-cross ARCH=arm64: %.0f s (build + qemu run)"
              % cls.seconds)

    def test_unit_tests_pass_under_qemu(self):
        self.assertEqual(self.r.returncode, 0, "make test-cross failed")
        m = re.search(r"^(\d+) passed, (\d+) failed$", self.r.stdout,
                      re.M)
        self.assertTrue(m, "no summary line")
        self.assertEqual(int(m.group(2)), 0)
        self.assertGreater(int(m.group(1)), 10)

    def test_daemon_runs_under_qemu(self):
        self.assertEqual(self.r.returncode, 0)
        with open(os.path.join(BUILD, "pilotlight"), "rb") as f:
            hdr = f.read(20)
        self.assertEqual(hdr[:4], b"\x7fELF")
        self.assertEqual(int.from_bytes(hdr[18:20], "little"), 183)  # EM_AARCH64
        v = qemu("-V")
        self.assertEqual(v.returncode, 0, v.stderr)
        self.assertRegex(v.stdout, r"^pilotlight \d+\.\d+\.\d+\n$")
        t = qemu("-t", "-c", os.path.join(ROOT, "config", "pilotlight.cfg"))
        self.assertEqual((t.returncode, t.stdout),
                         (0, "configuration OK\n"), t.stderr)


if __name__ == "__main__":
    test_main()
