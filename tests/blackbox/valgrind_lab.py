"""The daemon under valgrind in the lab: no definite leak, no memory error.

    python3 tests/blackbox/valgrind_lab.py --binary build/pilotlight

tests/lib/fullsite.py's site (probes of every type, capture on cap0 with
traffic, /metrics scraped every second, the JSON panel) runs for ~20 s
with the real binary under
  valgrind --leak-check=full --errors-for-leak-kinds=definite
           --error-exitcode=99
then gets SIGTERM.  It must stop in order (exit 0, not valgrind's 99)
and the report must say "definitely lost: 0 bytes" and "ERROR SUMMARY: 0
errors".  A SIGHUP reload in the middle covers the reload path's frees.
Under `make test-asan` (PL_SANITIZED=1) it skips: valgrind cannot run a
sanitized binary.  Needs root.
"""

import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import fullsite  # noqa: E402
import netlab  # noqa: E402
from pilotlight import test_main  # noqa: E402

BINARY = "build/pilotlight"
RUN_SECONDS = 20


class ValgrindLab(unittest.TestCase):
    def setUp(self):
        if os.environ.get("PL_SANITIZED"):
            self.skipTest("valgrind cannot run a sanitized binary")
        if os.geteuid() != 0:
            self.skipTest("needs root (network namespaces)")
        if not shutil.which("valgrind"):
            self.fail("valgrind is not installed (make deps)")
        self.dir = tempfile.mkdtemp(prefix="pl-vg-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def wrapper(self, log):
        path = os.path.join(self.dir, "under-valgrind")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nexec valgrind --quiet --leak-check=full "
                    "--errors-for-leak-kinds=definite --error-exitcode=99 "
                    "--track-fds=no --num-callers=30 --log-file=%s %s \"$@\"\n"
                    % (log, os.path.abspath(BINARY)))
        os.chmod(path, stat.S_IRWXU)
        return path

    def test_no_leaks_no_errors(self):
        log = os.path.join(self.dir, "valgrind.log")
        state = os.path.join(self.dir, "state")
        os.mkdir(state)
        with netlab.Lab() as lab:
            site = fullsite.build(lab)
            pl = lab.run_pilotlight(self.wrapper(log),
                                    fullsite.config(site, state))
            # Slow under valgrind: wait for the first views, then let it
            # run its probes, capture and scrapes for RUN_SECONDS.
            pl.wait_view(lambda v: v.get("leds"), timeout=60)
            scraper = site["mon"].spawn(
                [sys.executable, "-c", fullsite.SCRAPER,
                 "http://%s:%d/metrics" % (fullsite.MON_IP,
                                           fullsite.METRICS_PORT),
                 "1", str(RUN_SECONDS)], name="scraper")
            burst = fullsite.traffic(lab, site, RUN_SECONDS, pps=100)
            time.sleep(RUN_SECONDS / 2)
            pl.sighup()
            time.sleep(RUN_SECONDS / 2)
            self.assertTrue(pl.alive(), pl.stderr_text()[-2000:])
            views = len(pl.views)
            code, dt = pl.sigterm(timeout=60)
            scraper.wait(10)
            burst.result(10)
            stderr = pl.stderr_text()
        with open(log) as f:
            raw = f.read()
        # valgrind 3.19 (bookworm) does not know pidfd_open (434): exec
        # checks then poll waitpid instead; drop its five-line warnings.
        report = re.sub(r"(--\d+-- .*\n)+", "", raw)
        print("valgrind report (%d warning lines dropped):\n%s"
              % (raw.count("\n") - report.count("\n"), report[-6000:]))
        print("views %d, stopped in %.1f s under valgrind" % (views, dt))
        self.assertIn("configuration reloaded", stderr)
        self.assertNotEqual(code, 99, "valgrind found errors:\n" + report)
        self.assertEqual(code, 0, stderr[-2000:])
        m = re.search(r"definitely lost: ([\d,]+) bytes", report)
        if m:   # absent when nothing at all leaked
            self.assertEqual(m.group(1), "0", report)
        m = re.search(r"ERROR SUMMARY: (\d+) errors", report)
        if m:
            self.assertEqual(m.group(1), "0", report)
        self.assertGreater(views, 2)


if __name__ == "__main__":
    test_main()
