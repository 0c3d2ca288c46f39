"""The package's own rules: only lark, SQLAlchemy and the standard library; no eval/exec."""
import ast
import pathlib
import sys

import dsl

ROOT = pathlib.Path(dsl.__file__).parent


def _trees():
    for path in ROOT.rglob("*.py"):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_imports_only_lark_sqlalchemy_and_stdlib():
    allowed = set(sys.stdlib_module_names) | {"lark", "sqlalchemy", "__future__"}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_no_eval_exec_or_dynamic_attribute_access():
    banned = {"eval", "exec", "compile", "getattr", "setattr", "__import__"}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in banned or (node.func.id == "getattr" and path.name == "parser.py"), \
                    f"{path.name}:{node.lineno} calls {node.func.id}"


def test_public_api():
    for name in ("parse", "check", "evaluate", "matches", "aggregate", "to_sql", "aggregate_select",
                 "run_aggregate", "register_sqlite_functions", "DslError"):
        assert name in dsl.__all__ and hasattr(dsl, name)
    assert (ROOT / "grammar.lark").exists() and (ROOT / "README.md").exists()
