#!/usr/bin/env python3
"""Is the tree as .clang-format lays it out?

    python3 tests/blackbox/format.py --binary BUILD/pilotlight

Runs `make check-format` (clang-format --dry-run --Werror over every C
source and header of the daemon, the unit tests and the fakes) and fails
with clang-format's own report of each line that differs.  `make format`
fixes them.  --binary is accepted like every black-box test's, unused.
Not repeated under the sanitizers (ASAN_SKIP): nothing is built.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pilotlight import test_main  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class Format(unittest.TestCase):
    def test_check_format(self):
        env = dict(os.environ)
        for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
            env.pop(k, None)
        r = subprocess.run(["make", "--no-print-directory", "-C", ROOT,
                            "check-format"], capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(r.returncode, 0,
                         "not clang-format clean (make format fixes it):\n"
                         + r.stderr[-6000:])


if __name__ == "__main__":
    test_main()
