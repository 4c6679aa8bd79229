"""Access to the vendor's OpenAPI spec for tests (fetched once with npm; see tools/fetch_spec.py)."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def load_tool(name: str) -> ModuleType:
    """Import ``tools/NAME.py`` (the tools folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def vendor_spec() -> dict[str, Any]:
    """The parsed ``api.json`` of servicem8@0.9.54, fetched and hash-checked on first use."""
    path = load_tool("fetch_spec").fetch(ROOT / ".cache" / "spec" / "api.json")
    return json.loads(Path(path).read_text(encoding="utf-8"))
