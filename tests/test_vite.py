"""tongguan/vite.py: Vite manifest -> tags, with a temporary manifest (no Node, no browser)."""
import json
import os

import pytest
from flask import Flask, render_template_string

from tongguan import vite

MANIFEST = {
    "_rolldown-runtime-A.js": {"file": "assets/rolldown-runtime-A.js", "name": "rolldown-runtime"},
    "_vue-B.js": {"file": "assets/vue-B.js", "name": "vue"},
    "_element-plus-C.js": {
        "file": "assets/element-plus-C.js",
        "imports": ["_rolldown-runtime-A.js", "_vue-B.js"],
        "css": ["assets/element-plus-C.css"],
    },
    "_app-D.js": {
        "file": "assets/app-D.js",
        "imports": ["_rolldown-runtime-A.js", "_vue-B.js", "_element-plus-C.js"],
        "css": ["assets/app-D.css"],
    },
    "static/src/pages/audit-log.ts": {
        "file": "assets/audit-log-E.js",
        "src": "static/src/pages/audit-log.ts",
        "isEntry": True,
        "imports": ["_app-D.js", "_vue-B.js", "_element-plus-C.js"],
        "css": ["assets/audit-log-E.css"],
    },
}


def write_manifest(static, data):
    path = static / "dist" / ".vite" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def vite_app(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    app = Flask(__name__, static_folder=str(static))
    vite.init_app(app)
    return app  # named vite_app: conftest's `app` fixture builds the full (DB-backed) application


def render(vite_app, source="{{ vite_entry('audit-log') }}"):
    with vite_app.test_request_context("/"):
        return render_template_string(source)


def test_entry_tags(vite_app, tmp_path):
    write_manifest(tmp_path / "static", MANIFEST)
    lines = render(vite_app).splitlines()
    assert lines == [
        '<link rel="stylesheet" href="/static/dist/assets/element-plus-C.css">',
        '<link rel="stylesheet" href="/static/dist/assets/app-D.css">',
        '<link rel="stylesheet" href="/static/dist/assets/audit-log-E.css">',
        '<link rel="modulepreload" href="/static/dist/assets/rolldown-runtime-A.js">',
        '<link rel="modulepreload" href="/static/dist/assets/vue-B.js">',
        '<link rel="modulepreload" href="/static/dist/assets/element-plus-C.js">',
        '<link rel="modulepreload" href="/static/dist/assets/app-D.js">',
        '<script type="module" src="/static/dist/assets/audit-log-E.js"></script>',
    ]


def test_missing_manifest_is_a_clear_error(vite_app):
    with pytest.raises(RuntimeError, match=r"front-end not built: run `make assets` \(npm ci && npm run build\)"):
        render(vite_app)


def test_unknown_entry(vite_app, tmp_path):
    write_manifest(tmp_path / "static", MANIFEST)
    with pytest.raises(RuntimeError, match="unknown Vite entry 'nope'"):
        render(vite_app, "{{ vite_entry('nope') }}")


def test_manifest_cached_and_reloaded_on_mtime_change(vite_app, tmp_path, monkeypatch):
    path = write_manifest(tmp_path / "static", MANIFEST)
    assert "audit-log-E.js" in render(vite_app)

    reads = []
    real_load = json.load
    monkeypatch.setattr(vite.json, "load", lambda f: reads.append(1) or real_load(f))
    render(vite_app)
    assert reads == []  # cached: an unchanged file is not re-read

    rebuilt = json.loads(json.dumps(MANIFEST))
    rebuilt["static/src/pages/audit-log.ts"]["file"] = "assets/audit-log-F.js"
    path.write_text(json.dumps(rebuilt), encoding="utf-8")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    html = render(vite_app)
    assert reads == [1]
    assert "audit-log-F.js" in html and "audit-log-E.js" not in html


def test_respects_script_root(vite_app, tmp_path):
    write_manifest(tmp_path / "static", MANIFEST)
    with vite_app.test_request_context("/", base_url="http://x/tg/"):
        html = render_template_string("{{ vite_entry('audit-log') }}")
    assert '<script type="module" src="/tg/static/dist/assets/audit-log-E.js"></script>' in html
