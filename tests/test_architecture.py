"""The layers of ARCHITECTURE.md import only downward, and randomness stays in the model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
LAYERS = ("scenario", "territory", "model", "measures", "runs", "outputs", "app", "cli")


def layer_of(module: str) -> int | None:
    """Index of the layer a dotted module name belongs to (None for the package itself)."""
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def sim_imports(path: Path) -> list[str]:
    """Every ``sim...`` module a file imports, at the top or inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sim":
                found += [f"sim.{alias.name}" for alias in node.names]
            elif node.module.startswith("sim."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("sim.")]
    return found


def layer_of_file(path: Path) -> int | None:
    return layer_of("sim." + path.relative_to(SIM).parts[0].removesuffix(".py"))


MODULES = sorted(p for p in SIM.rglob("*.py") if layer_of_file(p) is not None)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM)))
def test_imports_go_only_downward(path: Path):
    own = layer_of_file(path)
    upward = [m for m in sim_imports(path) if (layer_of(m) or 0) > own]
    assert not upward, f"{path.relative_to(SIM)} ({LAYERS[own]}) imports from a higher layer: {upward}"


def test_every_module_is_in_a_layer():
    loose = [p.name for p in SIM.glob("*.py") if p.name not in {"__init__.py", "__main__.py", "cli.py"}]
    assert not loose, f"modules outside the layers of ARCHITECTURE.md: {loose}"


def random_draws(path: Path) -> list[str]:
    """Code that draws random numbers: generators and seed sequences made, quasi-random designs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"default_rng", "SeedSequence", "LatinHypercube"}:
            found.append(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module in {"numpy.random", "scipy.stats.qmc"}:
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module == "scipy.stats":
            found += [alias.name for alias in node.names if alias.name == "qmc"]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name == "random"]
    return found


def test_only_the_model_draws_random_numbers():
    offenders = {
        str(p.relative_to(SIM)): random_draws(p)
        for p in MODULES
        if p.relative_to(SIM).parts[0] != "model" and random_draws(p)
    }
    assert not offenders, f"random numbers drawn outside sim/model: {offenders}"
