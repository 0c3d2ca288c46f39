"""The component registry's services called directly, as the builder and the CLI do."""
import io
import threading

import pytest
from sqlalchemy import delete, func, select

import components
from catalog.registry import init_app, semver, service
from catalog.registry.models import Component, ComponentVersion
from tongguan.errors import Conflict, Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"

BUILTIN_CODES = {"chart.bar", "chart.line", "chart.pie", "metric.card", "table.basic", "map.points", "text.title",
                 "list.ranking", "video.player", "event.list"}


def pairs(session):
    session.expire_all()
    return list(session.execute(
        select(Component.code, ComponentVersion.semver).join(ComponentVersion.component).order_by(Component.code)))


@pytest.fixture
def manager(make_user):
    return Actor.for_user(make_user("qian", "catalog_manager"))


@pytest.fixture
def handler(make_user):
    return Actor.for_user(make_user("zhao", "handler", department="water"))


@pytest.fixture
def storage(app):
    return app.config["STORAGE_PATH"]


def register(session, actor, code="acme.radar", version="1.0.0", **extra):
    component = service.component_create(session, actor, {
        "code": code, "name": "雷达图", "category": "chart", "vendor": "某某科技有限公司", "version": version, **extra})
    session.commit()
    return component


def attach_docs(session, actor, storage, code, version):
    for which in ("manual", "api_doc"):
        service.component_version_attach(session, actor, code, version, which, io.BytesIO(PDF), f"{which}.pdf",
                                         storage_path=storage)
    session.commit()


def walk(session, actor, code, version, *states):
    for state in states:
        service.component_version_move(session, actor, code, version, state)
    session.commit()


# --- semantic versions ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0.0.0", "1.0.0", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                                  "1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
                                  "1.0.0-x-y-z.--"])
def test_valid_semantic_versions_are_accepted(text):
    assert semver.is_valid(text)


@pytest.mark.parametrize("text", ["1", "1.0", "v1.0.0", "01.0.0", "1.01.0", "1.0.0-", "1.0.0-01", "1.0.0+",
                                  "1.0.0-alpha..1", "1.0.0 ", "1.0.0\n", "１.0.0", "", "1.0.0-α", "1" * 70 + ".0.0"])
def test_invalid_semantic_versions_are_refused(text):
    assert not semver.is_valid(text)


def test_versions_sort_by_semver_precedence_not_as_strings():
    shuffled = ["1.10.0", "1.0.0", "1.0.0-rc.1", "1.9.0", "1.0.0-alpha.beta", "2.0.0", "1.0.0-beta.11",
                "1.0.0-alpha", "1.0.0-beta.2", "1.0.0-beta", "1.0.0-alpha.1", "1.2.0"]
    assert semver.sort(shuffled) == [
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
        "1.0.0-rc.1", "1.0.0", "1.2.0", "1.9.0", "1.10.0", "2.0.0"]
    assert semver.key("1.0.0+build.1") == semver.key("1.0.0+build.2")  # build metadata does not count


# --- built-in components ------------------------------------------------------------------------


def test_the_builtin_component_types_are_declared_with_valid_props_schemas():
    from jsonschema import Draft202012Validator

    declared = {t.code: t for t in components.component_types()}
    assert BUILTIN_CODES <= set(declared)
    for t in declared.values():
        assert t.version == "1.0.0" and semver.is_valid(t.version)
        assert t.name and t.description and t.category in components.CATEGORIES
        Draft202012Validator.check_schema(t.props_schema)
    assert declared["metric.card"].name == "指标卡" and declared["map.points"].name == "点位地图"
    Draft202012Validator(declared["text.title"].props_schema).validate({"text": "临江市防汛指挥大屏", "font_size": 40})


def test_the_components_package_imports_nothing_of_the_catalog():
    import ast
    import pathlib

    for path in pathlib.Path(components.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                assert name.split(".")[0] not in {"catalog", "tongguan", "builder", "runtime"}, (path, name)


def test_startup_sync_registers_each_builtin_once_however_often_it_runs(app, session):
    session.execute(delete(Component))
    session.commit()
    assert init_app(app) == len(components.component_types())
    assert init_app(app) == 0
    got = pairs(session)
    assert len(got) == len(set(got)) == len(components.component_types())
    assert {code for code, _ in got} >= BUILTIN_CODES
    bar = session.scalar(select(Component).where(Component.code == "chart.bar"))
    assert bar.builtin and bar.name == "柱状图" and bar.category == "chart"
    assert [(v.semver, v.state) for v in bar.versions] == [("1.0.0", "released")]


def test_sync_refreshes_builtin_names_and_keeps_a_managers_lifecycle_moves(app, session, system):
    init_app(app)
    bar = session.scalar(select(Component).where(Component.code == "chart.bar"))
    bar.name, bar.description = "旧名称", "旧说明"
    session.commit()
    walk(session, system, "chart.bar", "1.0.0", "maintenance", "retired")
    assert service.sync_builtins(session) == 0
    session.commit()
    session.expire_all()
    bar = service.component_get(session, system, "chart.bar")
    assert bar.name == "柱状图" and bar.description.startswith("按维度对比")
    assert bar.versions[0].state == "retired"


def test_sync_skips_a_row_a_concurrent_process_inserted_first(app, session, monkeypatch):
    init_app(app)
    before = pairs(session)
    session.close()
    # As if another process committed between our look-up and our insert: every insert collides.
    monkeypatch.setattr(service, "_existing", lambda session, codes: {})
    assert service.sync_builtins(session) == 0
    session.commit()
    assert pairs(session) == before


def test_two_processes_syncing_at_once_leave_one_row_per_builtin(app, session):
    session.execute(delete(Component))
    session.commit()
    session.close()
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            init_app(app)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    got = pairs(session)
    assert len(got) == len(set(got)) == len(components.component_types())


def test_sync_is_skipped_when_the_database_is_not_at_head(app, monkeypatch):
    monkeypatch.setattr("tongguan.db.head_revision", lambda: "9999")
    assert init_app(app) is None


# --- registering third-party components -----------------------------------------------------------


def test_a_manager_registers_a_third_party_component_starting_at_analysis(session, manager):
    component = register(session, manager, description="展示多维度对比", props_schema={"type": "object"})
    assert not component.builtin and component.vendor == "某某科技有限公司"
    assert [(v.semver, v.state) for v in component.versions] == [("1.0.0", "analysis")]
    assert service.component_get(session, manager, "acme.radar").name == "雷达图"
    assert service.component_version_get(session, manager, "acme.radar", "1.0.0").code == "acme.radar"


def test_a_handler_can_read_the_library_but_not_register_or_change_it(app, session, manager, handler, storage):
    init_app(app)
    register(session, manager)
    assert service.component_list(session, handler).total >= 11
    assert service.component_get(session, handler, "chart.bar").builtin
    assert {c["code"] for c in service.component_categories(session, handler)} >= {"chart", "map", "metric"}
    for call in (
        lambda: service.component_create(session, handler, {"code": "x.y", "name": "x", "category": "chart", "vendor": "v"}),
        lambda: service.component_update(session, handler, "acme.radar", {"name": "x"}),
        lambda: service.component_version_create(session, handler, "acme.radar", {"version": "2.0.0"}),
        lambda: service.component_version_move(session, handler, "acme.radar", "1.0.0", "design"),
        lambda: service.component_version_attach(session, handler, "acme.radar", "1.0.0", "manual", io.BytesIO(PDF),
                                                 "m.pdf", storage_path=storage),
    ):
        with pytest.raises(Forbidden):
            call()


def test_registration_checks_every_field_and_writes_nothing(app, session, manager):
    init_app(app)
    register(session, manager)
    with pytest.raises(Invalid) as err:
        service.component_create(session, manager, {"code": "acme.radar", "name": " ", "category": "weather",
                                                    "vendor": "", "version": "1.0", "props_schema": {"type": 5}})
    assert set(err.value.errors) == {"code", "name", "category", "vendor", "version", "props_schema"}
    with pytest.raises(Invalid) as err:
        service.component_create(session, manager, {"code": "chart.bar", "name": "仿冒柱状图", "category": "chart",
                                                    "vendor": "v"})
    assert "内置" in err.value.errors["code"][0]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Component).where(Component.builtin.is_(False))) == 1


def test_a_component_is_edited_but_its_code_and_builtins_are_not(app, session, manager):
    init_app(app)
    component = register(session, manager)
    updated = service.component_update(session, manager, "acme.radar", {"name": "雷达图（增强版）", "category": "metric"},
                                       if_version=component.version)
    session.commit()
    assert updated.name == "雷达图（增强版）" and updated.version == 2
    with pytest.raises(Invalid) as err:
        service.component_update(session, manager, "chart.bar", {"name": "改名"})
    assert "builtin" in err.value.errors
    with pytest.raises(Invalid):
        service.component_version_create(session, manager, "chart.bar", {"version": "1.1.0"})


def test_versions_coexist_and_are_listed_in_semver_order(session, manager):
    register(session, manager, version="1.9.0")
    for v in ("1.10.0", "1.10.0-rc.1", "1.2.0"):
        service.component_version_create(session, manager, "acme.radar", {"version": v, "notes": f"版本 {v}"})
    session.commit()
    listed = service.component_version_list(session, manager, "acme.radar")
    assert [v.semver for v in listed] == ["1.2.0", "1.9.0", "1.10.0-rc.1", "1.10.0"]
    assert service.component_get(session, manager, "acme.radar").latest_version == "1.10.0"


@pytest.mark.parametrize("version, message", [("1.9.0", "已存在"), ("1.9.0+build.7", "优先级相同"),
                                              ("1.9", "语义化版本"), ("v2.0.0", "语义化版本")])
def test_a_bad_or_duplicate_version_is_refused_naming_the_version(session, manager, version, message):
    register(session, manager, version="1.9.0")
    with pytest.raises(Invalid) as err:
        service.component_version_create(session, manager, "acme.radar", {"version": version})
    assert message in err.value.errors["version"][0]


def test_a_duplicate_inserted_concurrently_is_a_conflict(session, manager, monkeypatch):
    register(session, manager, version="1.0.0")
    monkeypatch.setattr(service, "_check_new_version", lambda errors, component, version: None)
    with pytest.raises(Conflict):
        service.component_version_create(session, manager, "acme.radar", {"version": "1.0.0"})


# --- lifecycle ------------------------------------------------------------------------------------


def test_a_version_walks_its_lifecycle_one_step_at_a_time(session, manager, storage):
    register(session, manager)
    walk(session, manager, "acme.radar", "1.0.0", "design", "development", "testing", "development", "testing")
    attach_docs(session, manager, storage, "acme.radar", "1.0.0")
    walk(session, manager, "acme.radar", "1.0.0", "released", "maintenance", "retired")
    version = service.component_version_get(session, manager, "acme.radar", "1.0.0")
    assert version.state == "retired" and version.next_states == []


@pytest.mark.parametrize("start, target", [
    ([], "development"),                          # skipping design
    (["design"], "analysis"),                     # going back, other than testing -> development
    (["design", "development"], "released"),      # skipping testing
    (["design", "development", "testing"], "maintenance"),
])
def test_a_bad_move_is_refused_naming_the_state(session, manager, start, target):
    register(session, manager)
    walk(session, manager, "acme.radar", "1.0.0", *start)
    with pytest.raises(Invalid) as err:
        service.component_version_move(session, manager, "acme.radar", "1.0.0", target)
    assert list(err.value.errors) == ["state"]
    assert "下一步只能是" in err.value.errors["state"][0]


def test_releasing_a_third_party_version_needs_its_manual_and_api_document(session, manager, storage):
    register(session, manager)
    walk(session, manager, "acme.radar", "1.0.0", "design", "development", "testing")
    with pytest.raises(Invalid) as err:
        service.component_version_move(session, manager, "acme.radar", "1.0.0", "released")
    assert set(err.value.errors) == {"manual", "api_doc"}
    attach_docs(session, manager, storage, "acme.radar", "1.0.0")
    walk(session, manager, "acme.radar", "1.0.0", "released")


def test_retired_is_final(app, session, manager, storage):
    init_app(app)
    walk(session, manager, "chart.pie", "1.0.0", "maintenance", "retired")
    for target in ("maintenance", "released", "retired"):
        with pytest.raises(Invalid) as err:
            service.component_version_move(session, manager, "chart.pie", "1.0.0", target)
        assert "已下线" in err.value.errors["state"][0]
    with pytest.raises(Invalid) as err:
        service.component_version_attach(session, manager, "chart.pie", "1.0.0", "manual", io.BytesIO(PDF), "m.pdf",
                                         storage_path=storage)
    assert "manual" in err.value.errors


# --- placing on pages -----------------------------------------------------------------------------


def test_a_retired_version_resolves_for_old_pages_but_cannot_be_placed(app, session, manager, handler):
    init_app(app)
    assert service.component_check_placeable(session, handler, "chart.line", "1.0.0").state == "released"
    walk(session, manager, "chart.line", "1.0.0", "maintenance")
    assert service.component_check_placeable(session, handler, "chart.line", "1.0.0").state == "maintenance"
    walk(session, manager, "chart.line", "1.0.0", "retired")
    assert service.component_resolve(session, handler, "chart.line", "1.0.0").state == "retired"
    with pytest.raises(Invalid) as err:
        service.component_check_placeable(session, handler, "chart.line", "1.0.0")
    assert "1.0.0" in err.value.errors["version"][0] and "已下线" in err.value.errors["version"][0]


def test_a_version_still_in_development_cannot_be_placed(session, manager):
    register(session, manager, version="0.3.0-beta.1")
    walk(session, manager, "acme.radar", "0.3.0-beta.1", "design", "development")
    with pytest.raises(Invalid) as err:
        service.component_check_placeable(session, manager, "acme.radar", "0.3.0-beta.1")
    assert "0.3.0-beta.1" in err.value.detail and "开发" in err.value.detail


def test_an_unknown_component_or_version_is_not_found(app, session, handler):
    init_app(app)
    for code, version in (("chart.bar", "9.9.9"), ("chart.nope", "1.0.0"), ("chart.bar", "not-a-version"),
                          ("BAD\x00CODE", "1.0.0"), ("chart.bar", "1.0.0\x00")):
        with pytest.raises(NotFound):
            service.component_resolve(session, handler, code, version)


# --- filters ----------------------------------------------------------------------------------------


def test_the_list_filters_by_text_category_state_and_origin(app, session, manager):
    init_app(app)
    register(session, manager)
    codes = lambda **kw: [c.code for c in service.component_list(session, manager, **kw).items]  # noqa: E731
    assert codes(q="柱状图") == ["chart.bar"]
    assert codes(q="Bar chart") == ["chart.bar"]
    assert codes(q="某某科技") == ["acme.radar"]
    assert codes(q="100%") == []
    assert set(codes(category="chart")) == {"chart.bar", "chart.line", "chart.pie", "chart.area", "chart.gauge", "acme.radar"}
    assert codes(state="analysis") == ["acme.radar"]
    assert codes(builtin=False) == ["acme.radar"]
    assert "acme.radar" not in codes(builtin=True)
    page = service.component_list(session, manager, page=2, per_page=4)
    assert page.total == 21 and len(page.items) == 4


# --- attachments ----------------------------------------------------------------------------------


def test_an_attachment_is_sniffed_not_trusted_by_its_name(session, manager, storage):
    register(session, manager)
    with pytest.raises(Invalid) as err:
        service.component_version_attach(session, manager, "acme.radar", "1.0.0", "manual", io.BytesIO(PNG),
                                         "手册.pdf", storage_path=storage)
    assert "manual" in err.value.errors
    session.rollback()
    version = service.component_version_attach(session, manager, "acme.radar", "1.0.0", "api_doc", io.BytesIO(PDF),
                                               "接口文档.pdf", storage_path=storage)
    session.commit()
    assert version.api_doc.mime == "application/pdf" and version.manual is None
    stored, path = service.component_version_file(session, manager, "acme.radar", "1.0.0", "api_doc",
                                                  storage_path=storage)
    assert stored.filename == "接口文档.pdf" and path.read_bytes() == PDF
    with pytest.raises(NotFound):
        service.component_version_file(session, manager, "acme.radar", "1.0.0", "manual", storage_path=storage)
