"""The binary is hardened as Debian builds packages (issue 19).

    python3 tests/blackbox/hardening.py --binary build/pilotlight

hardening-check (devscripts) on the binary: position independent, stack
protector, fortified functions, read-only relocations, immediate binding
must say "yes"; "unknown" is accepted where it means the compiler found
nothing to protect (stack clash on a binary without large frames).

Control-flow integrity: every object of the build carries the CPU feature
note of -fcf-protection (x86-64: IBT, SHSTK) or -mbranch-protection=standard
(arm64: BTI, PAC; checked on build-arm64 when the cross build is there).
The linker gives the binary the note only when every input has it, and
bookworm's C library start files (Scrt1.o, crti.o) do not: so where
hardening-check says "Control flow integrity: no", the test asserts that
the start files are why, and the day they carry it the binary must too.
Skipped under the sanitizers (PL_SANITIZED): the package is the normal
build.
"""

import glob
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FEATURES = {"x86_64": "x86 feature: IBT, SHSTK",
            "aarch64": "AArch64 feature: BTI, PAC"}


def notes(path):
    return subprocess.run(["readelf", "-n", path], capture_output=True,
                          text=True, check=True).stdout


def machine(path):
    out = subprocess.run(["readelf", "-h", path], capture_output=True,
                         text=True, check=True).stdout
    return "aarch64" if "AArch64" in out else (
        "x86_64" if "X86-64" in out else "other")


class Hardening(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.environ.get("PL_SANITIZED"):
            raise unittest.SkipTest("the package is the normal build")
        if not shutil.which("hardening-check"):
            raise AssertionError("hardening-check is missing (Debian "
                                 "package devscripts, in DEB_TEST)")
        r = subprocess.run(["hardening-check", BINARY], capture_output=True,
                           text=True)
        print(r.stdout + r.stderr)
        cls.report = {}
        for line in r.stdout.splitlines()[1:]:
            name, _, value = line.strip().partition(": ")
            cls.report[name] = value

    def test_the_usual_protections(self):
        for name in ("Position Independent Executable", "Stack protected",
                     "Fortify Source functions", "Read-only relocations",
                     "Immediate binding"):
            with self.subTest(name):
                self.assertTrue(self.report.get(name, "").startswith("yes"),
                                "%s: %s" % (name, self.report.get(name)))
        clash = self.report.get("Stack clash protection", "")
        self.assertTrue(clash.startswith("yes") or clash.startswith(
            "unknown, no -fstack-clash-protection instructions found"),
            clash)

    def objects_carry(self, build, cc):
        objs = glob.glob(os.path.join(build, "src", "*", "*.o"))
        self.assertTrue(objs, "no objects in " + build)
        want = FEATURES[machine(objs[0])]
        bare = [o for o in objs if want not in notes(o)]
        self.assertEqual(bare, [], "objects without '%s'" % want)
        start = subprocess.run(cc + ["-print-file-name=Scrt1.o"],
                               capture_output=True, text=True,
                               check=True).stdout.strip()
        return want, want in notes(start)

    def test_control_flow_integrity(self):
        build = os.path.dirname(os.path.abspath(BINARY))
        want, start_has = self.objects_carry(build, ["cc"])
        cfi = self.report.get("Control flow integrity", "")
        if start_has:
            self.assertTrue(cfi.startswith("yes"), cfi)
            self.assertIn(want, notes(BINARY))
        else:
            print("Control flow integrity: %s - every object has '%s'; "
                  "the C library's Scrt1.o does not, so the linker cannot "
                  "mark the binary" % (cfi, want))

    def test_arm64_branch_protection(self):
        build = os.path.join(ROOT, "build-arm64")
        sysroot = "/var/cache/pilotlight/sysroot-arm64"
        if not (os.path.exists(os.path.join(build, "pilotlight"))
                and shutil.which("aarch64-linux-gnu-gcc")):
            self.skipTest("no arm64 cross build (make cross ARCH=arm64)")
        want, start_has = self.objects_carry(
            build, ["aarch64-linux-gnu-gcc", "--sysroot=" + sysroot])
        if start_has:
            self.assertIn(want, notes(os.path.join(build, "pilotlight")))


if __name__ == "__main__":
    test_main()
