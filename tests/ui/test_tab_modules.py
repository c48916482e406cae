"""The UI's shape: one module per tab under ui/tabs/, and no tab importing another (cross-tab wiring is ui/page.py)."""

from __future__ import annotations

import ast

from tests.helpers import PROJECT_ROOT

TABS = PROJECT_ROOT / "ui" / "tabs"


def _imported_tabs(path) -> set[str]:
    """The tab modules a file imports, in any form (relative or absolute)."""
    tabs = {p.stem for p in TABS.glob("*.py") if p.stem != "__init__"}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1 or module in ("ui.tabs", "tabs"):
                found.update(a.name for a in node.names if a.name in tabs)
            parts = module.split(".")
            if parts[:2] == ["ui", "tabs"] and len(parts) > 2:
                found.add(parts[2])
            elif node.level == 1 and parts[0] in tabs:
                found.add(parts[0])
    return found


def test_no_tab_imports_another_tab():
    offenders = {p.stem: _imported_tabs(p) - {p.stem} for p in TABS.glob("*.py")}
    offenders = {tab: sorted(found) for tab, found in offenders.items() if found}
    assert not offenders, f"tabs importing tabs (wire them in ui/page.py instead): {offenders}"


def test_the_page_builds_every_tab_module():
    page = (PROJECT_ROOT / "ui" / "page.py").read_text(encoding="utf-8")
    for path in TABS.glob("*.py"):
        if path.stem != "__init__":
            assert f"from .tabs import {path.stem} as" in page, f"ui/page.py does not build {path.stem}"
