"""Third-party component packages: a signed zip with component.json, a renderer, a manual and an API
document registers a component version (builder.component_packages -> catalog.registry.packages);
once released, pages place it, check its props against its schema, and the viewer draws it with a
filled Vega-Lite template or a sandboxed iframe whose files are served with a strict CSP."""
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

import components
from builder import component_packages, documents, viewer
from builder.packages import signing
from builder.packages.service import build_package
from builder.viewer import Request
from catalog.registry import packages as registry_packages
from catalog.registry import service as registry
from catalog.registry.models import Component, ComponentRenderer, ComponentVersion
from tests.builder.conftest import NOW, screen
from tongguan.errors import Invalid
from tongguan.files.models import StoredFile
from tongguan.permissions import Actor

PROPS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False,
    "properties": {"title": {"type": "string", "title": "标题", "maxLength": 50},
                   "color": {"type": "string", "title": "颜色", "pattern": "^#[0-9A-Fa-f]{6}$", "default": "#36cfc9"}},
}
SLOTS = [{"name": "data", "title": "数据", "title_en": "Data", "accepts": "series", "required": True,
          "max_measures": 1}]
TEMPLATE = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"name": "rows"},
    "background": "transparent",
    "mark": {"type": "arc", "innerRadius": 40},
    "encoding": {"theta": {"field": "events", "type": "quantitative"},
                 "color": {"field": "district", "type": "nominal"}},
}
# A renderer that draws the rows it is posted, and says whether it could reach its parent's document.
FRAME_HTML = (b'<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="style.css">'
              b'</head><body><p id="probe">...</p><ul id="rows"></ul><script src="main.js"></script></body></html>')
FRAME_JS = b"""
var probe = document.getElementById('probe');
try { probe.textContent = 'PARENT READ: ' + parent.document.title; }
catch (e) { probe.textContent = 'parent blocked'; }
window.addEventListener('message', function (event) {
  var msg = event.data || {};
  if (msg.type !== 'tongguan:data') return;
  var list = document.getElementById('rows');
  list.textContent = '';
  (msg.rows || []).forEach(function (row) {
    var item = document.createElement('li');
    item.textContent = row.district + ' ' + row.events + (msg.props && msg.props.title ? ' ' + msg.props.title : '');
    list.appendChild(item);
  });
  document.body.setAttribute('data-drawn', String((msg.rows || []).length));
});
"""
FRAME_CSS = b"body{margin:0;font:16px sans-serif;color:#e6f1ff;background:#0b2447} li{padding:2px 6px}"


def descriptor(code="vendor.donut", version="1.0.0", **over):
    doc = {"code": code, "version": version, "name": "环形图（第三方）", "name_en": "Donut (third-party)",
           "category": "chart", "description": "按区县的占比", "vendor": "某某科技", "props_schema": PROPS_SCHEMA,
           "slots": SLOTS, "renderer": {"kind": "vega-lite", "template": TEMPLATE}}
    doc.update(over)
    return doc


def iframe_descriptor(code="vendor.frame", version="1.0.0", **over):
    return descriptor(code, version, name="列表框（第三方）", name_en="Frame list", category="list",
                      renderer={"kind": "iframe", "entry": "index.html"}, **over)


def files_of(doc, **extra) -> dict[str, bytes]:
    files = {"component.json": json.dumps(doc, ensure_ascii=False).encode(), "manual.md": "# 使用手册\n".encode(),
             "openapi.json": b'{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}'}
    if doc.get("renderer", {}).get("kind") == "iframe":
        files.update({"renderer/index.html": FRAME_HTML, "renderer/main.js": FRAME_JS, "renderer/style.css": FRAME_CSS})
    files.update(extra)
    return {k: v for k, v in files.items() if v is not None}


def pack(files, version="1.0.0", key=None, kind="component") -> bytes:
    return build_package(files, {"kind": kind, "name": "组件包", "version": version}, key=key)


@pytest.fixture
def manager(make_user):
    return Actor.for_user(make_user("cm", "catalog_manager"))


@pytest.fixture
def upload(session, app, manager):
    def do(data, **kw):
        return component_packages.component_package_upload(session, manager, data,
                                                           storage_path=app.config["STORAGE_PATH"], **kw)
    return do


def release(session, actor, code, version="1.0.0"):
    for state in ("design", "development", "testing", "released"):
        registry.component_version_move(session, actor, code, version, state)
    session.commit()


@pytest.fixture
def released(session, upload, manager):
    """Both example packages registered and released."""
    upload(pack(files_of(descriptor())))
    upload(pack(files_of(iframe_descriptor())))
    session.commit()
    release(session, manager, "vendor.donut")
    release(session, manager, "vendor.frame")


def test_a_vega_lite_and_an_iframe_package_register_and_become_placeable(session, upload, manager):
    donut = upload(pack(files_of(descriptor())))
    session.commit()
    assert donut.state == "analysis" and donut.manual.filename == "manual.md"
    assert donut.api_doc.filename == "openapi.json"
    assert donut.renderer.kind == "vega-lite" and donut.renderer.trusted and donut.renderer.files == []
    assert donut.component.vendor == "某某科技" and not donut.component.builtin
    assert components.lookup("vendor.donut@1") is None  # not released: no page may use it yet
    with pytest.raises(Invalid):
        registry.component_check_placeable(session, manager, "vendor.donut", "1.0.0")
    release(session, manager, "vendor.donut")
    assert registry.component_check_placeable(session, manager, "vendor.donut", "1.0.0").placeable
    found = components.lookup("vendor.donut@1")
    assert isinstance(found, registry_packages.PackagedType) and found.slots[0].accepts == "series"
    assert found.renderer == {"kind": "vega-lite", "template": TEMPLATE}

    frame = upload(pack(files_of(iframe_descriptor())))
    session.commit()
    assert frame.renderer.kind == "iframe" and sorted(f.path for f in frame.renderer.files) == [
        "index.html", "main.js", "style.css"]
    release(session, manager, "vendor.frame")
    assert components.lookup("vendor.frame@1").renderer == {"kind": "iframe", "entry": "index.html"}
    # a second version of the same component, from the same vendor
    upload(pack(files_of(iframe_descriptor(version="1.1.0")), version="1.1.0"))
    session.commit()
    assert [v.semver for v in registry.component_version_list(session, manager, "vendor.frame")] == ["1.0.0", "1.1.0"]
    assert components.lookup("vendor.frame@1").version == "1.0.0"  # 1.1.0 is not released yet


def test_an_upload_over_http_needs_the_catalog_manager_role(client, make_user, bearer):
    data = pack(files_of(iframe_descriptor()))
    body = {"file": (io.BytesIO(data), "frame.zip")}
    res = client.post("/api/v1/components/packages", headers=bearer(make_user("au", "author")), data=body,
                      content_type="multipart/form-data")
    assert res.status_code == 403
    res = client.post("/api/v1/components/packages", headers=bearer(make_user("cm2", "catalog_manager")),
                      data=data, content_type="application/zip")
    assert res.status_code == 201, res.json
    assert res.json["code"] == "vendor.frame" and res.json["renderer"]["kind"] == "iframe"
    assert res.json["slots"][0]["name"] == "data" and res.json["manual"]["filename"] == "manual.md"
    assert res.headers["ETag"]


def _rezip(data: bytes, change) -> bytes:
    """The package's entries rewritten by `change(name, content) -> content | None`, plus extra entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = change(info.filename, src.read(info))
            if content is not None:
                dst.writestr(info.filename, content)
        for name, content in change.extra if hasattr(change, "extra") else ():
            dst.writestr(name, content)
    return out.getvalue()


def tampered() -> bytes:
    def change(name, content):
        return content.replace(b"parent blocked", b"evil") if name == "renderer/main.js" else content
    return _rezip(pack(files_of(iframe_descriptor())), change)


def traversal() -> bytes:
    def keep(name, content):
        return content
    keep.extra = [("../../evil.html", b"<script>x</script>"), ("renderer/../../etc/x.js", b"x")]
    return _rezip(pack(files_of(iframe_descriptor())), keep)


def untrusted() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return pack(files_of(descriptor()), key=signing.SigningKey(Ed25519PrivateKey.generate()))


BAD = {
    "tampered": (tampered, {"files": "renderer/main.js"}),
    "untrusted signature": (untrusted, {"signature": None}),
    "traversal": (traversal, {"entries": "../../evil.html"}),
    "bad manifest": (lambda: pack(files_of(descriptor(category="spaceship", name="", slots=[
        {"name": "Data", "title": "数据", "accepts": "videos"}, {"name": "b", "accepts": "rows", "extra": 1}]))),
        {"component": ["category", "name", "slots[0].name", "slots[0].accepts", "slots[1]", "slots[1].title"]}),
    "schema not a schema": (lambda: pack(files_of(descriptor(props_schema={
        "type": "spaceship", "properties": {"a": {"$ref": "https://x/s"}}}))),
                            {"component": ["props_schema"]}),
    "URL data in the template": (lambda: pack(files_of(descriptor(renderer={"kind": "vega-lite", "template": {
        **TEMPLATE, "data": {"url": "https://example.com/data.json"},
        "layer": [{"mark": "image", "encoding": {"url": {"field": "img"}}},
                  {"mark": {"type": "image"}, "encoding": {"href": {"value": "https://example.com"}}},
                  {"mark": "text", "encoding": {"text": {"value": "//tracker.example/pixel.png"}}}]}}))),
        {"component": ["renderer.template.data", "renderer.template.layer[0].encoding.url",
                       "renderer.template.layer[1].encoding.href", "renderer.template.layer[2].encoding.text.value"]}),
    "missing entry": (lambda: pack(files_of(iframe_descriptor(), **{"renderer/index.html": None})),
                      {"component": ["renderer.entry"]}),
    "missing manual, wrong kind, script outside renderer": (
        lambda: pack(files_of(descriptor(), **{"manual.md": None, "evil.js": b"x", "renderer/run.exe": b"MZ"}),
                     kind="app"),
        {"component": ["manual", "manifest.kind", "evil.js", "renderer/run.exe"]}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_package_is_refused_whole_with_its_reasons(session, upload, app, case):
    make, expected = BAD[case]
    with pytest.raises(Invalid) as refused:
        upload(make())
    errors = refused.value.errors
    for area, where in expected.items():
        assert area in errors, errors
        for path in ([where] if isinstance(where, str) else where or []):
            assert path in errors[area], (path, errors[area])
    messages = json.dumps(errors, ensure_ascii=False)
    assert "(" in messages and any("\u4e00" <= ch <= "\u9fff" for ch in messages)  # 中文 (English)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Component).where(Component.builtin.is_(False))) == 0
    assert session.scalar(select(func.count()).select_from(ComponentRenderer)) == 0
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    storage = app.config["STORAGE_PATH"]
    assert not any(p.is_file() for p in __import__("pathlib").Path(storage).rglob("*"))


def test_a_refusal_lists_the_package_and_the_component_reasons_together(session, upload):
    with pytest.raises(Invalid) as refused:
        upload(_rezip(pack(files_of(descriptor(category="spaceship"))),
                      lambda name, content: content + b" " if name == "manual.md" else content))
    assert set(refused.value.errors) == {"files", "component"}
    assert "category" in refused.value.errors["component"] and "manual.md" in refused.value.errors["files"]


def test_unsigned_packages_only_when_allowed(session, upload):
    unsigned = _rezip(pack(files_of(descriptor())), lambda name, content: None if name == "signature.json" else content)
    with pytest.raises(Invalid) as refused:
        upload(unsigned)
    assert "signature" in refused.value.errors
    found = upload(unsigned, allow_unsigned=True)
    assert found.renderer.signed_by is None and not found.renderer.trusted


def test_a_built_in_code_or_an_existing_version_is_refused(session, upload):
    upload(pack(files_of(descriptor())))
    session.commit()
    with pytest.raises(Invalid) as refused:
        upload(pack(files_of(descriptor())))
    assert "version" in refused.value.errors["component"]
    with pytest.raises(Invalid) as refused:
        upload(pack(files_of(descriptor(code="chart.bar"))))
    assert "code" in refused.value.errors["component"]
    with pytest.raises(Invalid) as refused:
        upload(pack(files_of(descriptor(vendor="别家公司", version="2.0.0")), version="2.0.0"))
    assert "vendor" in refused.value.errors["component"]


def card(ref, card_id="v1", **props):
    return {"id": card_id, "type": ref, "x": 0, "y": 0, "w": 600, "h": 400, "props": props,
            "binding": {"indicator": "events", "by": "district"}}


def test_a_page_checks_the_third_party_props_against_the_package_schema(session, released):
    good = screen(card("vendor.donut@1", title="各区占比", color="#ff0000"))
    assert documents.problems(good, publishing=True) == {}
    bad = screen(card("vendor.donut@1", color="red", size=3))
    errors = documents.problems(bad)
    assert "cards[0].props.color" in errors and "cards[0].props.size" in errors
    two_slots = screen({**card("vendor.donut@1"), "binding": {"slots": {"nope": {"indicator": "events"}}}})
    assert any(k.startswith("cards[0].binding") for k in documents.problems(two_slots))
    assert "cards[0].type" in documents.problems(screen(card("vendor.donut@2")))
    # the designer's live binding check knows the package's slots too (max_measures 1)
    checker = Actor.system("test")
    assert viewer.binding_check(session, checker, "vendor.donut@1", {"indicator": "events", "by": "district"}) == {
        "problems": {}}
    too_many = viewer.binding_check(session, checker, "vendor.donut@1",
                                    {"indicator": ["events", "closed"], "measures": ["events", "closed"]})
    assert too_many["problems"]


def test_the_viewer_answers_the_filled_template_and_the_iframe_renderer(session, city_data, publish, released,
                                                                         make_user):
    actor = Actor.for_user(make_user("leader1", "leader"))
    publish("ops", screen(card("vendor.donut@1", "v1"), card("vendor.frame@1", "f1", title="事件")))
    out = viewer.run_page_data(session, actor, "ops", "main", Request(now=NOW))
    donut = out["cards"]["v1"]
    assert donut["ok"] and donut["renderer"] == {"kind": "vega-lite"}
    rows = donut["rows"]
    assert {r["district"]: r["events"] for r in rows} == {"江东区": 3, "江西区": 2, "江北区": 1}
    assert donut["spec"] == {**TEMPLATE, "data": {"name": "rows", "values": rows}}  # the dataset, nothing else
    frame = out["cards"]["f1"]
    assert frame["ok"] and frame["spec"] is None and frame["rows"] == rows
    assert frame["renderer"] == {"kind": "iframe", "src": "/components/vendor.frame/1.0.0/renderer/index.html"}


def test_the_renderer_files_are_served_with_a_strict_csp(client, session, released, upload, manager):
    res = client.get("/components/vendor.frame/1.0.0/renderer/index.html")
    assert res.status_code == 200 and res.get_data() == FRAME_HTML
    assert res.mimetype == "text/html"
    csp = res.headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "script-src 'self'", "connect-src 'none'", "frame-ancestors 'self'",
                 "img-src 'self' data:", "sandbox allow-scripts"):
        assert part in csp
    assert "allow-same-origin" not in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    js = client.get("/components/vendor.frame/1.0.0/renderer/main.js")
    assert js.mimetype == "text/javascript" and js.headers["Content-Security-Policy"] == csp
    assert client.get("/components/vendor.frame/1.0.0/renderer/style.css").mimetype == "text/css"
    for path in ("renderer/../component.json", "renderer/%2e%2e/component.json", "renderer/..%2fcomponent.json",
                 "renderer//etc/passwd", "renderer/nothing.js", "renderer/"):
        res = client.get(f"/components/vendor.frame/1.0.0/{path}", follow_redirects=True)
        assert res.status_code == 404, path
    assert client.get("/components/vendor.frame/1.0.0/../../../etc/passwd").status_code == 404
    assert client.get("/components/chart.bar/1.0.0/renderer/index.html").status_code == 404
    upload(pack(files_of(iframe_descriptor(version="1.1.0")), version="1.1.0"))
    session.commit()
    assert client.get("/components/vendor.frame/1.1.0/renderer/index.html").status_code == 404  # not released
    registry.component_version_move(session, manager, "vendor.frame", "1.0.0", "maintenance")
    registry.component_version_move(session, manager, "vendor.frame", "1.0.0", "retired")
    session.commit()
    assert client.get("/components/vendor.frame/1.0.0/renderer/index.html").status_code == 404


def test_a_released_version_reaches_other_processes_within_the_ttl(session, upload, manager, monkeypatch):
    upload(pack(files_of(descriptor())))
    session.commit()
    assert components.lookup("vendor.donut@1") is None  # cached: unknown
    version = session.scalar(select(ComponentVersion).join(Component).where(Component.code == "vendor.donut"))
    version.state = "released"  # as another worker would, without this process's forget()
    session.commit()
    times = iter([1000.0, 1000.0 + registry_packages.resolver.TTL_S + 1])
    registry_packages.resolver.forget()
    monkeypatch.setattr(registry_packages.resolver, "clock", lambda: next(times))
    registry_packages.resolver.kept[(str(session.get_bind().url), "vendor.donut")] = (999.0, [])
    assert components.lookup("vendor.donut@1") is None  # still within the TTL
    assert components.lookup("vendor.donut@1").version == "1.0.0"  # the TTL passed: read again
