"""Python source files inside a project: their module names and their ASTs.

Sources are read with :mod:`ast`, never imported: opening a folder must never run its code.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["module_file", "module_for", "package_base", "parse_source"]


def module_for(root: Path, file: Path) -> tuple[str, str] | None:
    """``(module, app_dir)`` to import ``file`` with, or None when it is not importable.

    ``app_dir`` is relative to ``root`` (posix, "" = the root). A module inside a
    package is named the way fastapi-cli names it: walk up the ``__init__.py`` chain
    and import by the dotted name from the first folder above it
    (``bigger_applications/app/main.py`` with ``app/__init__.py`` -> ``app.main`` from
    ``bigger_applications``), so its relative imports work. A module outside any
    package is named from the project root (``app/main.py`` -> ``app.main``), or
    from ``src/`` in a src layout; one in a folder without ``__init__.py`` that
    imports its siblings as top-level modules (``from routers import x``) is imported
    from its own folder, as fastapi-cli would.
    """
    if not file.is_relative_to(root):
        return None
    packaged = package_base(root, file)
    if packaged is not None:
        return packaged
    base, app_dir = root, ""
    rel = file.relative_to(root)
    if rel.parts[0] == "src" and len(rel.parts) > 1 and not (root / "src/__init__.py").exists():
        base, app_dir = root / "src", "src"
        rel = file.relative_to(base)
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    namespace = len(rel.parts) > 1 and not (file.parent / "__init__.py").exists()
    if namespace and _imports_siblings(file):
        app_dir = file.parent.relative_to(root).as_posix()
        parts = [] if file.stem == "__init__" else [file.stem]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts), app_dir


def package_base(root: Path, file: Path) -> tuple[str, str] | None:
    """fastapi-cli's name for a ``file`` inside a package: ``(dotted module, app_dir)``.

    None when ``file``'s folder has no ``__init__.py`` (or it is ``root`` itself).
    The chain stops at ``root``: a project is never imported from above its folder.
    """
    folder = file.parent
    if folder == root or not (folder / "__init__.py").is_file():
        return None
    while folder.parent != root and (folder.parent / "__init__.py").is_file():
        if not folder.parent.is_relative_to(root):
            break
        folder = folder.parent
    base = folder.parent
    rel = file.relative_to(base).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    app_dir = base.relative_to(root).as_posix()
    return ".".join(parts), "" if app_dir == "." else app_dir


def _imports_siblings(file: Path) -> bool:
    """True when ``file`` imports modules that only exist next to it, never its own package."""
    tree = parse_source(file)
    if isinstance(tree, str):
        return False
    top = file.parent.name
    siblings = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            return False
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            first = name.split(".")[0]
            if first == top:
                return False
            sibling = file.parent / first
            siblings = siblings or sibling.with_suffix(".py").is_file() or sibling.is_dir()
    return siblings


def module_file(root: Path, module: str, app_dir: str = "") -> tuple[Path, str] | None:
    """The source file of ``module`` inside the project (root, src/ or app_dir)."""
    rel = Path(*module.split("."))
    bases = [(root, ""), (root / "src", "src")]
    if app_dir not in ("", "src"):
        bases.insert(0, (root / app_dir, app_dir))
    for base, app_dir in bases:
        for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
            if candidate.is_file():
                return candidate, app_dir
    return None


def parse_source(file: Path) -> ast.Module | str:
    """The module's AST, or a one-line message naming file and line."""
    try:
        source = file.read_bytes()
        return ast.parse(source, filename=str(file))
    except SyntaxError as exc:
        return f"{file.name}:{exc.lineno}: syntax error: {exc.msg}"
    except (OSError, ValueError) as exc:
        return f"{file.name}: cannot read it ({exc})"
