"""The package's layers, read from the import statements of its source: imports only go down
(core <- interpreters <- backends; lax <- numpy <- nn; api and jit on top), and no module
imports another's private names."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

import numbax

ROOT = Path(numbax.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[tuple[str, str | None]]]:
    """module -> {(imported module, imported name or None)} for every numbax import, lazy ones
    (inside functions) included."""
    graph: dict = collections.defaultdict(set)
    for path in ROOT.rglob("*.py"):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                    if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    # `from . import numpy` imports a module, `from .x import f` a name.
                    sub = f"{target}.{alias.name}"
                    if (ROOT.parent / Path(*sub.split("."))).with_suffix(".py").exists() or (
                            ROOT.parent / Path(*sub.split("."))).is_dir():
                        graph[module].add((sub, None))
                    else:
                        graph[module].add((target, alias.name))
            elif isinstance(node, ast.Import):
                graph[module].update((a.name, None) for a in node.names)
    return {m: {(t, n) for t, n in deps if t.startswith("numbax")} for m, deps in graph.items()}


GRAPH = import_graph()


def _imports(prefix: str) -> dict[str, set[str]]:
    return {m: {t for t, _ in deps} for m, deps in GRAPH.items()
            if m == prefix or m.startswith(prefix + ".")}


def _within(target: str, allowed: tuple[str, ...]) -> bool:
    return any(target == a or target.startswith(a + ".") for a in allowed)


def _violations(prefix: str, allowed: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} imports {t}" for m, targets in _imports(prefix).items()
                  for t in targets if not _within(t, allowed))


def test_core_imports_nothing_above_it():
    # config is a leaf of settings (it imports nothing of numbax), read by tracing.
    assert not _violations("numbax.core", ("numbax.core", "numbax.config"))


def test_interpreters_import_only_core():
    assert not _violations("numbax.interpreters",
                           ("numbax.core", "numbax.interpreters", "numbax.config"))


def test_backends_do_not_import_user_facing_modules():
    assert not _violations("numbax.backends", ("numbax.core", "numbax.interpreters",
                                               "numbax.backends", "numbax.config"))


def test_lax_is_below_numpy():
    assert not _violations("numbax.lax", ("numbax.core", "numbax.interpreters", "numbax.config",
                                          "numbax.tree_util", "numbax.lax"))


def test_numpy_package_is_below_nn_and_api():
    # numbax.numpy and every module of the package (numbax.numpy.arguments, .elementwise...).
    assert {"numbax.numpy", "numbax.numpy.arguments", "numbax.numpy.methods"} <= set(GRAPH)
    assert not _violations("numbax.numpy", ("numbax.core", "numbax.config", "numbax.tree_util",
                                            "numbax.lax", "numbax.numpy"))


def _private_attribute_uses() -> set[str]:
    """`alias._name` where alias is a numbax module imported under that name."""
    uses = set()
    for path in ROOT.rglob("*.py"):
        module = _module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        modules = {name for name, target in aliases.items()
                   if any(t == target or t.endswith("." + target)
                          for t, n in GRAPH.get(module, ()) if n is None)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                target = next(t for t, n in GRAPH[module] if n is None and (
                    t == aliases[node.value.id] or t.endswith("." + aliases[node.value.id])))
                uses.add(f"{module} uses {target}.{node.attr}")
    return uses


def test_no_module_reaches_into_another_modules_private_names():
    private = {f"{m} imports {t}.{n}" for m, deps in GRAPH.items() for t, n in deps
               if n is not None and n.startswith("_") and t != m}
    private |= _private_attribute_uses()
    assert not private, "\n".join(sorted(private))


def test_the_import_graph_has_no_cycle_between_layers():
    layer = {"numbax.core": 0, "numbax.interpreters": 1, "numbax.backends": 2}

    def rank(module: str) -> int | None:
        return next((r for p, r in layer.items() if _within(module, (p,))), None)

    upward = sorted(f"{m} -> {t}" for m, deps in GRAPH.items() for t, _ in deps
                    if rank(m) is not None and rank(t) is not None and rank(t) > rank(m))
    assert not upward, "\n".join(upward)
