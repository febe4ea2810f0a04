"""The packages of pipeline/ are layers: each imports only the ones below it, so a reader can
follow a fact upwards from common/ to the build without going back and forth. The test reads
every import statement of every module (at any depth, inside functions too)."""
from __future__ import annotations

import ast

from conftest import ROOT

# From the bottom up; the README's table "How the pipeline is built" lists them in this order.
LAYERS = ["__init__", "common", "registry", "curation", "transform", "validation", "release", "partitions", "build", "__main__"]


def _imports() -> dict[str, set[str]]:
    """Package (or top-level module) of pipeline/ -> the packages it imports."""
    top = ROOT / "pipeline"
    out: dict[str, set[str]] = {}
    for path in top.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts  # ('pipeline', 'release', 'site', 'x')
        owner = parts[1]
        names = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(parts[:-1]) if path.name != "__init__.py" else list(parts[:-1])
                    base = base[:len(base) - (node.level - 1)]
                    names.append(base + (node.module.split(".") if node.module else []))
                else:
                    names.append((node.module or "").split("."))
            elif isinstance(node, ast.Import):
                names.extend(alias.name.split(".") for alias in node.names)
        used = {n[1] for n in names if len(n) > 1 and n[0] == "pipeline"}
        out.setdefault(owner, set()).update(used - {owner})
    return out


def test_every_package_imports_only_the_layers_below_it():
    imports = _imports()
    assert set(imports) <= set(LAYERS), set(imports) - set(LAYERS)
    for package, used in imports.items():
        below = set(LAYERS[:LAYERS.index(package)])
        assert used <= below, f"pipeline/{package} imports {sorted(used - below)}, which are not below it"


def test_no_package_imports_one_that_imports_it_back():
    imports = _imports()
    for package, used in imports.items():
        for other in used:
            assert package not in imports.get(other, set()), (package, other)


def test_the_readme_states_the_layers_in_their_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = [name for name in LAYERS if f"`pipeline/{name}/`" in readme]
    assert shown == [n for n in LAYERS if (ROOT / "pipeline" / n).is_dir()]
    positions = [readme.index(f"`pipeline/{name}/`") for name in shown]
    assert positions == sorted(positions)
