"""The config loader, HTTP request path and regex matcher fuzz targets,
bounded: each is built with clang (libFuzzer, ASan, UBSan) and run for
FUZZ_CI_SECONDS (30) through `make fuzz-config-ci` / `make fuzz-http-ci` /
`make fuzz-match-ci` in the build directory of --binary.  Fails when a
build fails or libFuzzer finds a crash, a leak, undefined behaviour or a
timeout (for the matcher: a match that outlives its budget); the input is
left in BUILD/fuzz/{config,http,match}-* and named in the output.  `make
fuzz` is the long run.  Under `make test-asan` (PL_SANITIZED=1) it skips:
the targets are sanitized already.  (The decoder's target has
fuzz_decode.py.)
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


class FuzzTargets(unittest.TestCase):
    def run_target(self, name):
        if os.environ.get("PL_SANITIZED"):
            self.skipTest("the fuzz target is sanitized already")
        build = os.path.dirname(BINARY) or "."
        seconds = os.environ.get("FUZZ_CI_SECONDS", "30")
        pattern = os.path.join(build, "fuzz", name + "-*-*")
        before = set(glob.glob(pattern))
        env = dict(os.environ)
        for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
            env.pop(k, None)
        r = subprocess.run(["make", "--no-print-directory", "-C", ROOT,
                            "O=" + build, "FUZZ_CI_SECONDS=" + seconds,
                            "fuzz-%s-ci" % name], capture_output=True,
                           text=True, timeout=int(seconds) + 300, env=env)
        found = sorted(set(glob.glob(pattern)) - before)
        if r.returncode != 0 or found:
            print(r.stdout[-4000:], r.stderr[-8000:], sep="\n")
        self.assertEqual(found, [], "fuzzer left failing inputs")
        self.assertEqual(r.returncode, 0, "make fuzz-%s-ci failed" % name)
        self.assertIn("Done", r.stderr)
        print(r.stderr[r.stderr.rfind("#"):][:200])

    def test_fuzz_config_ci(self):
        self.run_target("config")

    def test_fuzz_http_ci(self):
        self.run_target("http")

    def test_fuzz_match_ci(self):
        self.run_target("match")


if __name__ == "__main__":
    test_main()
