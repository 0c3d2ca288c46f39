"""Tests that enforce the house conventions, so later packages keep them too."""
import ast
import pathlib

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tongguan.permissions import ACTIONS, PERMISSIONS, ROLE_PERMISSIONS

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOMAIN_PACKAGES = ["tongguan", "builder", "catalog", "components", "templates_lib", "dsl", "report_engine", "runtime"]
# Actions any signed-in user may take (they act only on the actor's own record).
OPEN_ACTIONS = {"me_get", "user_set_locale"}


def test_every_service_action_declares_a_permission_that_exists():
    import importlib

    modules = [p for package in DOMAIN_PACKAGES for name in ("service.py", "api.py") for p in (ROOT / package).rglob(name)]
    for path in modules:  # importing registers the actions
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))

    assert ACTIONS, "no actions registered"
    for name, permission in ACTIONS.items():
        if permission is None:
            assert name in OPEN_ACTIONS, f"{name} is open to every user; list it in OPEN_ACTIONS if that is intended"
        else:
            assert permission in PERMISSIONS, f"{name} needs unknown permission {permission}"


def test_every_service_action_has_a_test():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")
                      if p.name != "test_conventions.py")
    untested = [name for name in ACTIONS if name not in tests]
    assert untested == []


def test_every_role_permission_is_declared():
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms <= set(PERMISSIONS), role


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_services_never_touch_flask_request_state(package):
    for path in (ROOT / package).rglob("service.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "flask":
                pytest.fail(f"{path} imports flask")


def test_dsl_imports_nothing_of_ours():
    for path in (ROOT / "dsl").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                assert name.split(".")[0] not in DOMAIN_PACKAGES, f"{path} imports {name}"


# Who may import whom (BRIEF: dsl at the bottom; catalog and runtime in the middle; builder,
# report_engine and templates_lib on top; the catalog never needs the runtime).
FORBIDDEN_IMPORTS = {"components": {"catalog", "runtime", "builder", "report_engine", "templates_lib"},
                     "catalog": {"runtime", "builder", "report_engine", "templates_lib"},
                     "runtime": {"builder", "report_engine", "templates_lib"}}


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_imports_go_down_the_layers(package):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_IMPORTS[package], f"{path} imports {name}"


def test_every_interface_string_has_an_english_translation():
    with open(ROOT / "tongguan/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    used = set()
    for package in DOMAIN_PACKAGES:
        used |= {msg for _, _, msg, *_ in extract_from_dir(str(ROOT / package), method_map, keywords=keywords)}
    missing = sorted(m for m in used if isinstance(m, str) and (m not in catalog or not catalog[m].string))
    assert missing == [], "run `make i18n-extract` and translate these"


def test_every_vue_string_has_an_english_translation():
    import re

    with open(ROOT / "tongguan/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    used = set()
    for path in (ROOT / "static/src").rglob("*.vue"):
        used |= set(re.findall(r"""\bt\(\s*['"]([^'"]*[\u4e00-\u9fff][^'"]*)['"]""", path.read_text(encoding="utf-8")))
    for path in (ROOT / "static/src").rglob("*.ts"):
        used |= set(re.findall(r"""\bt\(\s*['"]([^'"]*[\u4e00-\u9fff][^'"]*)['"]""", path.read_text(encoding="utf-8")))
    missing = sorted(m for m in used if m not in catalog or not catalog[m].string)
    assert missing == []


def test_nothing_loads_from_a_cdn():
    import re

    # Joined at run time so that this file does not itself contain the host names it looks for.
    hosts = [("cdn", "jsdelivr"), ("unpkg", "com"), ("cdnjs", ""), ("fonts", "googleapis"), ("boot", "cdn"),
             ("staticfile", "org")]
    pattern = re.compile("|".join(re.escape(a + ("." if b and a != "boot" else "") + b) for a, b in hosts))
    for folder in ("tongguan", "static/src", "static/css"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".html", ".ts", ".vue", ".css", ".js"}:
                assert not pattern.search(path.read_text(encoding="utf-8", errors="ignore")), path
