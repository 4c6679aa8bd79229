"""Make sure Debian's Chromium is installed, for the widget test in a real browser.

Usage: ``python tools/install_browser.py`` (``make test`` runs it). Playwright's own browser
download does not work on closed networks, so the test drives the system's ``/usr/bin/chromium``;
this installs it with ``apt-get`` (through ``sudo`` when not root) if it is missing. Where there is no
``apt-get``, it says so and leaves the test to fail with the same explanation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if shutil.which("apt-get") is None:
        print(f"install_browser: {CHROMIUM} is missing and there is no apt-get; install Chromium by hand "
              "for tests/browser", file=sys.stderr)
        return 0
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("install_browser: installing Debian's chromium with apt-get", file=sys.stderr)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run([*sudo, *command], env=env, stdout=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
