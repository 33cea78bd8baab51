"""The import layers of COMMON.md / DESIGN.md, checked on the source: every module of crawler/
and pipelines/ imports only from its own or a lower layer, and no import circle exists. Imports
inside functions count (an import hidden in a function must not dodge a circle either)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Module prefix -> layer, lowest first; the longest matching prefix decides.
LAYERS = {
    "crawler": 0,  # the package itself (crawler/__init__.py)
    "crawler.sites": 0,
    "crawler.extract": 1,
    "crawler.state": 2,
    "pipelines": 3,
    "crawler.crawl": 4,
    "crawler.spiders": 5,
    "crawler.datasets": 6,
    "crawler.settings": 7,
    "crawler.cli": 7,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for package in ("crawler", "pipelines")
    for path in sorted((ROOT / package).rglob("*.py"))
}


def layer(module: str) -> int:
    prefixes = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(prefixes, key=len)]


def imports(module: str) -> set[str]:
    """The project modules `module` imports (a name imported from a package counts as its
    submodule when there is one)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import a.b.c` of a package path
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_modules_were_found() -> None:
    assert {"crawler.cli", "crawler.extract.profiled", "pipelines.dedupe"} <= set(MODULES)
    assert "crawler.sites.profile" in GRAPH["crawler.extract.profiled"]


def test_no_import_from_a_higher_layer() -> None:
    upward = sorted(
        f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(module)
    )
    assert not upward, "\n".join(upward)


def test_no_import_circle() -> None:
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not circles, "\n".join(" -> ".join(circle) for circle in circles)
