"""The decoder fuzz target, bounded: build tests/fuzz/fuzz_decode.c with
clang (libFuzzer, ASan, UBSan) and run it for FUZZ_CI_SECONDS (30) through
`make fuzz-ci` in the build directory of --binary.  Fails when the build
fails or libFuzzer finds a crash, a leak, undefined behaviour or a
timeout; the failing input is left in BUILD/fuzz/ (crash-*, leak-*, ...)
and named in the output.  `make fuzz` is the long run.
"""

import glob
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class FuzzDecode(unittest.TestCase):
    def test_fuzz_ci(self):
        build = os.path.dirname(BINARY) or "."
        seconds = os.environ.get("FUZZ_CI_SECONDS", "30")
        before = set(glob.glob(os.path.join(build, "fuzz", "*-*")))
        r = subprocess.run(["make", "--no-print-directory", "-C", ROOT,
                            "O=" + build, "FUZZ_CI_SECONDS=" + seconds,
                            "fuzz-ci"], capture_output=True, text=True,
                           timeout=int(seconds) + 300)
        found = sorted(set(glob.glob(os.path.join(build, "fuzz", "*-*")))
                       - before)
        found = [f for f in found if not f.endswith(("corpus", "seed"))]
        if r.returncode != 0 or found:
            print(r.stdout[-4000:], r.stderr[-8000:], sep="\n")
        self.assertEqual(found, [], "fuzzer left failing inputs")
        self.assertEqual(r.returncode, 0, "make fuzz-ci failed")
        self.assertIn("Done", r.stderr)


if __name__ == "__main__":
    test_main()
