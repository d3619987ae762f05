#!/usr/bin/env python3
"""Does overlays/pilotlight.dts agree with config/pilotlight.cfg?

    python3 tests/blackbox/overlay.py --binary BUILD/pilotlight

Compiles the overlay with `dtc -@ -I dts -O dtb` as the Makefile does,
decompiles the .dtbo back (`dtc -I dtb -O dts`) and checks what a Pi would
get at boot: every LED and buzzer pin of the reference config is an input
with the pull that keeps it dark and silent (down, or up for active_low),
the button pin an input with the pull-up, no pin of the overlay is unused
by the config, and nothing claims a line (no gpio-hog, gpio-leds, gpios).
The config is read with a small parser of its libconfig text; --binary
(unused here) is accepted like every black-box test's.  Needs dtc
(package device-tree-compiler).  Exits 0 only if every check passed.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DTS = os.path.join(ROOT, "overlays", "pilotlight.dts")
CFG = os.path.join(ROOT, "config", "pilotlight.cfg")
COLOURS = ("red", "green", "yellow", "blue", "white")
PULL_DOWN, PULL_UP = 1, 2

failures = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        failures.append(what)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(#|//)[^\n]*", "", text)


def block(text, start):
    """The text between the bracket opening at start and its partner."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = []
    for i in range(start, len(text)):
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return text[start + 1:i]
    raise ValueError("unbalanced brackets")


def group(text, name):
    """The body of `name = { ... }` or `name = ( ... )`, or None."""
    m = re.search(r"\b%s\s*[=:]\s*([{(])" % re.escape(name), text)
    return block(text, m.start(1)) if m else None


def entries(list_body):
    """The { ... } entries of a libconfig list."""
    out, i = [], 0
    while True:
        i = list_body.find("{", i)
        if i < 0:
            return out
        body = block(list_body, i)
        out.append(body)
        i += len(body) + 2


def config_pins(path):
    """{pin: pull wanted} from the indicators section, and the button."""
    with open(path) as f:
        ind = group(strip_comments(f.read()), "indicators")
    if ind is None:
        raise ValueError("%s: no indicators section" % path)
    want = {}
    for led in entries(group(ind, "leds") or ""):
        low = re.search(r"\bactive_low\s*[=:]\s*true\b", led) is not None
        for colour in COLOURS:
            m = re.search(r"\b%s\s*[=:]\s*(\d+)" % colour, led)
            if m:
                want[int(m.group(1))] = PULL_UP if low else PULL_DOWN
    buzzer = group(ind, "buzzer")
    if buzzer:
        pin = int(re.search(r"\bpin\s*[=:]\s*(\d+)", buzzer).group(1))
        low = re.search(r"\bactive_low\s*[=:]\s*true\b", buzzer)
        want[pin] = PULL_UP if low else PULL_DOWN
    button = group(ind, "button")
    if button:
        pin = int(re.search(r"\bpin\s*[=:]\s*(\d+)", button).group(1))
        want[pin] = PULL_UP
    return want


def cells(node, prop):
    m = re.search(r"\b%s\s*=\s*<([^>]*)>;" % re.escape(prop), node)
    return [int(x, 0) for x in m.group(1).split()] if m else None


def overlay_pins(dts_text):
    """{pin: (function, pull)} from the decompiled overlay's pin nodes."""
    got = {}
    for m in re.finditer(r"brcm,pins\s*=", dts_text):
        start = dts_text.rfind("{", 0, m.start())
        node = block(dts_text, start)
        pins = cells(node, "brcm,pins")
        func = cells(node, "brcm,function") or [0]
        pull = cells(node, "brcm,pull") or [0]
        for i, pin in enumerate(pins):
            f = func[i] if len(func) > 1 else func[0]
            p = pull[i] if len(pull) > 1 else pull[0]
            got[pin] = (f, p)
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", help="the pilotlight binary (unused)")
    ap.parse_args()
    if not shutil.which("dtc"):
        print("FAIL dtc not found: apt-get install device-tree-compiler")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        dtbo = os.path.join(tmp, "pilotlight.dtbo")
        r = subprocess.run(["dtc", "-@", "-I", "dts", "-O", "dtb", "-o",
                            dtbo, DTS], capture_output=True, text=True)
        check(r.returncode == 0 and r.stderr.strip() == "",
              "dtc compiles the overlay cleanly %s" % r.stderr.strip())
        if r.returncode != 0:
            return 1
        back = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", dtbo],
                              capture_output=True, text=True, check=True)
    text = back.stdout
    check('compatible = "brcm,bcm2835"' in text, "compatible brcm,bcm2835")
    check(re.search(r"__fixups__\s*{[^}]*\bgpio\s*=", text) is not None,
          "a fragment targets &gpio")
    for bad in ("gpio-hog", "gpio-leds", "gpios =", "gpio-keys",
                "output-high", "output-low"):
        check(bad not in text, "nothing claims a line (no %s)" % bad)
    check('pinctrl-names = "default"' in text and "pinctrl-0" in text,
          "the pin nodes are applied (pinctrl-0 on the controller)")

    want = config_pins(CFG)
    got = overlay_pins(text)
    check(len(want) > 0, "config pins found: %s" % sorted(want))
    for pin, pull in sorted(want.items()):
        name = {PULL_DOWN: "down", PULL_UP: "up"}[pull]
        check(pin in got and got[pin] == (0, pull),
              "GPIO%d: input, pull %s (overlay: %s)"
              % (pin, name, got.get(pin)))
    extra = sorted(set(got) - set(want))
    check(not extra, "no pins beyond the config's (extra: %s)" % extra)
    check(not set(got) & {2, 3}, "I2C pins 2 and 3 left to i2c_arm")

    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
