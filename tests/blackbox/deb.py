"""The Debian package: `make deb` builds it, lintian finds no error, and it
holds what an installed pilotlight needs.

    python3 tests/blackbox/deb.py --binary build/pilotlight

Builds the native package from the build directory of --binary (so CI's
already built binary is packaged, not rebuilt), then checks with dpkg-deb
and lintian: the conffiles (the config and the logrotate snippet), the
systemd unit with its LogsDirectory, the sysusers file, the overlay
(under /usr/lib/pilotlight, copied to /boot/firmware by postinst), docs and
manual page, Depends worked out by dpkg-shlibdeps plus libcurl4 and
libmicrohttpd12 (dlopen()ed, so named in config/debian/control), and that
the packaged binary runs (-V).  Under `make test-asan` (PL_SANITIZED=1) it
skips: the package is built from the normal build.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pilotlight import test_main  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = "build/pilotlight"


def clean_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def run(*argv, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True,
                          timeout=kw.pop("timeout", 600), **kw)


class Deb(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.environ.get("PL_SANITIZED"):
            raise unittest.SkipTest("packages are built from the normal "
                                    "build, not the sanitized one")
        out = os.path.relpath(os.path.dirname(os.path.abspath(BINARY)),
                              ROOT)
        for old in glob.glob(os.path.join(ROOT, out, "pilotlight_*.deb")):
            os.unlink(old)
        r = run("make", "--no-print-directory", "-C", ROOT, "deb",
                "O=" + out, env=clean_env())
        if r.returncode != 0:
            raise AssertionError("make deb failed:\n%s\n%s"
                                 % (r.stdout[-3000:], r.stderr[-3000:]))
        debs = glob.glob(os.path.join(ROOT, out, "pilotlight_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]
        cls.info = run("dpkg-deb", "-I", cls.deb).stdout
        cls.files = {line.split()[-1].lstrip(".") for line in
                     run("dpkg-deb", "-c", cls.deb).stdout.splitlines()}
        cls.dir = tempfile.mkdtemp(prefix="pl-deb-")
        subprocess.run(["dpkg-deb", "-R", cls.deb, cls.dir], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(getattr(cls, "dir", ""), ignore_errors=True)

    def field(self, name):
        return run("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def test_lintian_has_no_errors(self):
        r = run("lintian", "--allow-root", "--pedantic", "-I", self.deb)
        print(r.stdout + r.stderr)
        errors = [ln for ln in r.stdout.splitlines() if ln.startswith("E:")]
        self.assertEqual(errors, [])

    def test_control(self):
        self.assertEqual(self.field("Package"), "pilotlight")
        self.assertEqual(self.field("Architecture"),
                         run("dpkg", "--print-architecture").stdout.strip())
        depends = self.field("Depends")
        for lib in ("libc6", "libpcap0.8", "libconfig9", "libcurl4",
                    "libsystemd0", "libcap2", "libpcre2-8-0", "adduser"):
            self.assertRegex(depends, r"(^|, )%s\b" % re.escape(lib))
        self.assertRegex(depends, r"libgpiod\d")
        # 7.85.0: CURLOPT_PROTOCOLS_STR (src/core/curl_dl.c checks it)
        self.assertRegex(depends, r"(^|, )libcurl4 \(>= 7\.85\.0\)")
        self.assertRegex(depends, r"(^|, )libmicrohttpd12 \(>= [0-9.]+\)")

    def test_maintainer_homepage_licence(self):
        """Real metadata: no placeholder address, and the licence the
        README names, in the Debian copyright file."""
        self.assertEqual(self.field("Maintainer"),
                         "pilotlight developers <dev@pilotlight.dev>")
        self.assertEqual(self.field("Homepage"), "https://pilotlight.dev/")
        with open(os.path.join(self.dir, "usr/share/doc/pilotlight/"
                               "copyright")) as f:
            text = f.read()
        self.assertIn("\nLicense: GPL-2+\n", text)
        self.assertIn("/usr/share/common-licenses/GPL-2", text)
        self.assertNotIn(".invalid", text)
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = " ".join(f.read().split())
        self.assertIn("GNU General Public License, version 2 or later",
                      readme)

    def test_conffile_and_maintainer_scripts(self):
        with open(os.path.join(self.dir, "DEBIAN", "conffiles")) as f:
            self.assertEqual(f.read().split(),
                             ["/etc/pilotlight/pilotlight.cfg",
                              "/etc/logrotate.d/pilotlight"])
        for s in ("postinst", "prerm", "postrm"):
            path = os.path.join(self.dir, "DEBIAN", s)
            self.assertTrue(os.access(path, os.X_OK), s)
            self.assertEqual(run("sh", "-n", path).returncode, 0, s)

    def test_contents(self):
        for path in ("/usr/sbin/pilotlight",
                     "/etc/pilotlight/pilotlight.cfg",
                     "/etc/logrotate.d/pilotlight",
                     "/lib/systemd/system/pilotlight.service",
                     "/usr/lib/sysusers.d/pilotlight.conf",
                     "/usr/lib/pilotlight/overlays/pilotlight.dtbo",
                     "/usr/share/doc/pilotlight/README.md",
                     "/usr/share/doc/pilotlight/copyright",
                     "/usr/share/doc/pilotlight/changelog.Debian.gz",
                     "/usr/share/man/man8/pilotlight.8.gz"):
            self.assertIn(path, self.files)
        self.assertFalse([p for p in self.files if p.startswith("/boot")])
        with open(os.path.join(self.dir, "lib/systemd/system/"
                               "pilotlight.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/sbin/pilotlight ", unit)
        self.assertIn("AmbientCapabilities=CAP_NET_RAW", unit)
        # The events file's directory, writable under ProtectSystem=strict,
        # is the one the logrotate snippet rotates.
        self.assertIn("LogsDirectory=pilotlight", unit)
        with open(os.path.join(self.dir, "etc/logrotate.d/pilotlight")) as f:
            self.assertIn("/var/log/pilotlight/*.jsonl {", f.read())

    def test_make_install_is_the_package(self):
        """`make install` installs the files the package ships, but for
        what is Debian's own (its changelog, lintian overrides) and the
        manual page's compression."""
        out = os.path.relpath(os.path.dirname(os.path.abspath(BINARY)),
                              ROOT)
        dest = tempfile.mkdtemp(prefix="pl-install-")
        try:
            # WERROR=1 as `make deb` built it: the same flags, no rebuild.
            r = run("make", "--no-print-directory", "-C", ROOT, "install",
                    "O=" + out, "WERROR=1", "DESTDIR=" + dest,
                    env=clean_env())
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            installed = set()
            for d, _, names in os.walk(dest):
                for n in names:
                    installed.add("/" + os.path.relpath(
                        os.path.join(d, n), dest))
        finally:
            shutil.rmtree(dest)
        debian = {"/usr/share/doc/pilotlight/changelog.Debian.gz",
                  "/usr/share/lintian/overrides/pilotlight"}
        packaged = {p[:-3] if p.startswith("/usr/share/man/") else p
                    for p in self.files
                    if not p.endswith("/") and p not in debian}
        self.assertEqual(sorted(installed), sorted(packaged))

    def test_packaged_binary_runs(self):
        exe = os.path.join(self.dir, "usr/sbin/pilotlight")
        v = run(exe, "-V")
        self.assertEqual(v.returncode, 0, v.stderr)
        self.assertRegex(v.stdout, r"^pilotlight \d+\.\d+\.\d+\n$")
        self.assertIn("Version: %s-" % v.stdout.split()[1], self.info)
        t = run(exe, "-t", "-c",
                os.path.join(self.dir, "etc/pilotlight/pilotlight.cfg"))
        self.assertEqual(t.stdout, "configuration OK\n", t.stderr)


if __name__ == "__main__":
    test_main()
