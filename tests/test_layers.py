"""The package's layers, held by test: which modules may import which, and what importing does.

Data flows one way (``cli -> commands -> analysis -> runs -> model -> scenario``); the commands write
results through ``io`` and draw them through ``report``, which take tables and records and never load the
model. These tests read every module's imports (type-only ones
included) and import the packages in fresh interpreters.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from tests.conftest import ROOT

PACKAGE = ROOT / "sim"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(module: str, for_typing: bool = True) -> set[str]:
    """Every module ``module`` imports, anywhere in its source (``for_typing``: also under ``TYPE_CHECKING``)."""
    tree = ast.parse(MODULES[module].read_text())
    skipped = set()
    if not for_typing:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                skipped |= {id(inner) for inner in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{module}: relative imports hide where a name comes from"
            found |= {_home(node.module, alias.name) for alias in node.names}
    return found


def _home(module: str, name: str) -> str:
    """The module a name imported from ``module`` lives in: a submodule, or for the package root's lazy
    names (``from sim import run``) the module that defines them."""
    if f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return sim._HOMES.get(name, module).partition(":")[0] if module == "sim" else module


def imports_of(module: str, for_typing: bool = True) -> set[str]:
    """The modules of the package that ``module`` imports."""
    return {name for name in imported(module, for_typing) if name == "sim" or name.startswith("sim.")}


def layer(module: str) -> str:
    return module.split(".")[1] if "." in module else "sim"


# What each layer may import from the package (besides itself and the package root), at run time and under
# ``TYPE_CHECKING`` alike: the commands format and write the analysis' results, so nothing below them needs a
# result's type, and the house has no circle.
ALLOWED = {
    "scenario": set(),
    "catalogue": set(),
    "model": {"scenario"},
    "runs": {"model", "scenario", "catalogue"},
    "analysis": {"runs", "model", "scenario", "catalogue"},
    "io": {"scenario", "catalogue"},
    "report": {"io", "scenario", "catalogue"},
    "commands": {"analysis", "runs", "scenario", "catalogue", "io", "report"},
    "cli": {"commands", "analysis", "runs", "scenario", "catalogue", "io", "report"},
    "__main__": {"cli"},
}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "sim"))
def test_module_imports_only_from_the_layers_below_it(module):
    allowed = ALLOWED[layer(module)] | {layer(module), "sim"}
    found = imports_of(module)
    assert {layer(m) for m in found} <= allowed, found


def test_model_modules_import_each_other_without_a_cycle():
    model = sorted(m for m in MODULES if m.startswith("sim.model."))
    graph = {m: {i for i in imports_of(m) if i.startswith("sim.model.")} for m in model}
    order: list[str] = []
    while graph:
        ready = sorted(m for m, needs in graph.items() if needs <= set(order))
        assert ready, f"import cycle among {sorted(graph)}"
        order += ready
        for m in ready:
            del graph[m]


def loaded_after(statement: str) -> list[str]:
    """The package's modules loaded by a fresh interpreter after ``statement``."""
    code = f"import sys\n{statement}\nprint(sorted(m for m in sys.modules if m.startswith('sim')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return ast.literal_eval(done.stdout.strip())


@pytest.mark.parametrize(
    ("package", "may_load"),
    [("sim.scenario", {"scenario"}), ("sim.io", {"io", "scenario", "catalogue"}),
     ("sim.report", {"report", "io", "scenario", "catalogue"}), ("sim", set())],
)
def test_importing_a_layer_loads_nothing_above_or_beside_it(package, may_load):
    loaded = {layer(m) for m in loaded_after(f"import {package}")}
    assert loaded <= may_load | {"sim"}, loaded


GLOBALS = """
import importlib, json, logging, sys, warnings
import matplotlib, numpy, tqdm
for name in THIRD_PARTY:  # what they set on their own import is theirs, not ours
    try:
        importlib.import_module(name)
    except ImportError:  # an optional dependency (dask) that is not installed
        pass
def snapshot():
    return {
        "tqdm.monitor_interval": tqdm.tqdm.monitor_interval,
        "matplotlib.backend": matplotlib.get_backend(),
        "matplotlib.rcParams": repr(sorted(matplotlib.rcParams.items())),
        "numpy.errstate": repr(numpy.geterr()),
        "numpy.printoptions": repr(numpy.get_printoptions()),
        "warnings.filters": repr(warnings.filters),
        "logging.handlers": repr(logging.getLogger().handlers),
        "recursion limit": sys.getrecursionlimit(),
    }
before = snapshot()
for name in MODULES:
    importlib.import_module(name)
print(json.dumps({k: (v, snapshot()[k]) for k, v in before.items()}))
"""


def test_importing_the_package_changes_no_third_party_global():
    third_party = sorted({name for module in MODULES for name in imported(module, for_typing=False)
                          if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("sim")
                          and name != "sim"})
    code = (f"MODULES = {sorted(m for m in MODULES if m != 'sim.__main__')!r}\nTHIRD_PARTY = {third_party!r}\n"
            f"{GLOBALS}")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    changed = {k: v for k, v in json.loads(done.stdout).items() if v[0] != v[1]}
    assert not changed
