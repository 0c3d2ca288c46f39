"""/api/v1 for the matter catalog, domain catalogs and mappings: parse, call the service, dump."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, etag, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import DomainCatalog, DomainItem, Matter, city_today
from .schemas import (
    ChangeIn, ChangeOut, DomainCatalogCreate, DomainCatalogOut, DomainCatalogPage, DomainCatalogQuery,
    DomainCatalogUpdate, DomainItemCreate, DomainItemOut, DomainItemPage, DomainItemQuery, DomainItemUpdate,
    ExportQuery, FileIn, ItemImportOut, MappingIn, MatterCreate, MatterImportOut, MatterNode, MatterOut, MatterPage,
    MatterQuery, MatterUpdate, ResponsibilityOut, ResponsibilityQuery, RetireIn, RuleOut, RulesQuery, SplitIn,
    SplitOut, TreeQuery,
)

blp = Blueprint("matters", __name__, url_prefix="/api/v1", description="The matter catalog, domain catalogs and mappings (事项目录)")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MATTER = "<int(min=1, max=2147483647):matter_id>"
CATALOG = "<int(min=1, max=2147483647):catalog_id>"
ITEM = "<int(min=1, max=2147483647):item_id>"


def _xlsx(content: bytes, filename: str) -> Response:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


# --- the standard catalog ----------------------------------------------------------------------


@blp.route("/matters")
class Matters(MethodView):
    @blp.arguments(MatterQuery, location="query")
    @blp.response(200, MatterPage)
    def get(self, args):
        """List matters (filter by text, tier, parent, level; retired ones only when asked)."""
        return service.matter_list(get_session(), current_actor(), **args)

    @blp.arguments(MatterCreate)
    @blp.response(201, MatterOut)
    def post(self, data):
        """Add a matter (大类, 小类 under a 大类, 细类 under a 小类 with its first rules)."""
        db = get_session()
        matter = service.matter_create(db, current_actor(), data)
        db.commit()
        return with_etag(matter, 201)


@blp.route("/matters/tree")
class MatterTree(MethodView):
    @blp.arguments(TreeQuery, location="query")
    @blp.response(200, MatterNode(many=True))
    def get(self, args):
        """The whole standard catalog as a tree 大类 > 小类 > 细类."""
        return service.matter_tree(get_session(), current_actor(), **args)


@blp.route(f"/matters/{MATTER}")
class MatterItem(MethodView):
    @blp.response(200, MatterOut)
    def get(self, matter_id):
        """One matter; its ETag is needed to change, split or retire it."""
        return with_etag(service.matter_get(get_session(), current_actor(), matter_id))

    @if_match(Matter, "matter_id")
    @blp.arguments(MatterUpdate)
    @blp.response(200, MatterOut)
    def patch(self, data, matter_id, if_version):
        """Change a matter's name, description, order or level."""
        db = get_session()
        matter = service.matter_update(db, current_actor(), matter_id, data, if_version)
        db.commit()
        return with_etag(matter)


@blp.route(f"/matters/{MATTER}/rules")
class MatterRules(MethodView):
    @blp.arguments(RulesQuery, location="query")
    @blp.response(200, RuleOut(many=True))
    def get(self, args, matter_id):
        """The responsibility per area in force on a day (default today), or the whole history."""
        return service.matter_rules(get_session(), current_actor(), matter_id, **args)


@blp.route(f"/matters/{MATTER}/changes")
class MatterChanges(MethodView):
    @blp.response(200, ChangeOut(many=True))
    def get(self, matter_id):
        """The matter's adjustments (add, split, retire, change), newest first."""
        return service.matter_changes(get_session(), current_actor(), matter_id)


@blp.route(f"/matters/{MATTER}/change")
class MatterChangeAction(MethodView):
    @if_match(Matter, "matter_id")
    @blp.arguments(ChangeIn)
    @blp.response(200, MatterOut)
    def post(self, data, matter_id, if_version):
        """Change the department, time limit or legal basis in an area from a date."""
        db = get_session()
        matter = service.matter_change(db, current_actor(), matter_id, data, if_version)
        db.commit()
        return with_etag(matter)


@blp.route(f"/matters/{MATTER}/split")
class MatterSplitAction(MethodView):
    @if_match(Matter, "matter_id")
    @blp.arguments(SplitIn)
    @blp.response(200, SplitOut)
    def post(self, data, matter_id, if_version):
        """Split a 细类 into finer ones from a date; the original is retired that day."""
        db = get_session()
        result = service.matter_split(db, current_actor(), matter_id, data, if_version)
        db.commit()
        return result, 200, {"ETag": etag(result["matter"])}


@blp.route(f"/matters/{MATTER}/retire")
class MatterRetireAction(MethodView):
    @if_match(Matter, "matter_id")
    @blp.arguments(RetireIn)
    @blp.response(200, MatterOut)
    def post(self, data, matter_id, if_version):
        """Retire a matter (and everything under it) from a date."""
        db = get_session()
        matter = service.matter_retire(db, current_actor(), matter_id, data, if_version)
        db.commit()
        return with_etag(matter)


@blp.route("/matters/<string(maxlength=64):code>/responsibility")
class Responsibility(MethodView):
    @blp.arguments(ResponsibilityQuery, location="query")
    @blp.response(200, ResponsibilityOut)
    def get(self, args, code):
        """Who handles matter `code` in `area` (a department id; none = the whole city) on `on`
        (default today): the area's own rule, else its parent's, up to the city-wide one."""
        return service.responsibility_on(get_session(), current_actor(), code, args.get("area"),
                                         args.get("on") or city_today())


@blp.route("/matters/export")
class MattersExport(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, content_type=XLSX, description="The standard catalog as an .xlsx attachment")
    def get(self, args):
        """Export the standard catalog: one row per matter with its rules in force."""
        content = service.matters_export(get_session(), current_actor(), **args)
        return _xlsx(content, f"标准事项目录-{city_today().isoformat()}.xlsx")


@blp.route("/matters/import")
class MattersImport(MethodView):
    @blp.arguments(FileIn, location="files")
    @blp.response(200, MatterImportOut)
    def post(self, files):
        """Import the standard catalog from .xlsx (the export's layout), all or nothing:
        a rejected import answers 422 with `rows`, each {sheet, row, field, message}."""
        db = get_session()
        summary = service.matters_import(db, current_actor(), files["file"].read())
        db.commit()
        return summary


# --- domain catalogs --------------------------------------------------------------------------------


@blp.route("/domain-catalogs")
class DomainCatalogs(MethodView):
    @blp.arguments(DomainCatalogQuery, location="query")
    @blp.response(200, DomainCatalogPage)
    def get(self, args):
        """List domain catalogs (other domains' own matter lists)."""
        return service.domain_catalog_list(get_session(), current_actor(), **args)

    @blp.arguments(DomainCatalogCreate)
    @blp.response(201, DomainCatalogOut)
    def post(self, data):
        """Create a domain catalog."""
        db = get_session()
        catalog = service.domain_catalog_create(db, current_actor(), data)
        db.commit()
        return with_etag(catalog, 201)


@blp.route(f"/domain-catalogs/{CATALOG}")
class DomainCatalogItem(MethodView):
    @blp.response(200, DomainCatalogOut)
    def get(self, catalog_id):
        """One domain catalog; its ETag is needed to change or delete it."""
        return with_etag(service.domain_catalog_get(get_session(), current_actor(), catalog_id))

    @if_match(DomainCatalog, "catalog_id")
    @blp.arguments(DomainCatalogUpdate(partial=True))
    @blp.response(200, DomainCatalogOut)
    def patch(self, data, catalog_id, if_version):
        """Change a domain catalog."""
        db = get_session()
        catalog = service.domain_catalog_update(db, current_actor(), catalog_id, data, if_version)
        db.commit()
        return with_etag(catalog)

    @if_match(DomainCatalog, "catalog_id")
    @blp.response(204)
    def delete(self, catalog_id, if_version):
        """Delete a domain catalog with its items and mappings."""
        db = get_session()
        service.domain_catalog_delete(db, current_actor(), catalog_id, if_version)
        db.commit()


@blp.route(f"/domain-catalogs/{CATALOG}/items")
class DomainItems(MethodView):
    @blp.arguments(DomainItemQuery, location="query")
    @blp.response(200, DomainItemPage)
    def get(self, args, catalog_id):
        """A domain catalog's items with their mappings (`unmapped_only` for those needing one)."""
        return service.domain_item_list(get_session(), current_actor(), catalog_id, **args)

    @blp.arguments(DomainItemCreate)
    @blp.response(201, DomainItemOut)
    def post(self, data, catalog_id):
        """Add an item, optionally mapped to a standard 细类."""
        db = get_session()
        item = service.domain_item_create(db, current_actor(), catalog_id, data)
        db.commit()
        return with_etag(item, 201)


@blp.route(f"/domain-catalogs/{CATALOG}/items/{ITEM}")
class DomainItemItem(MethodView):
    @blp.response(200, DomainItemOut)
    def get(self, catalog_id, item_id):
        """One item; its ETag is needed to change, map or delete it."""
        return with_etag(service.domain_item_get(get_session(), current_actor(), catalog_id, item_id))

    @if_match(DomainItem, "item_id")
    @blp.arguments(DomainItemUpdate(partial=True))
    @blp.response(200, DomainItemOut)
    def patch(self, data, catalog_id, item_id, if_version):
        """Change an item's code, name, category or description."""
        db = get_session()
        item = service.domain_item_update(db, current_actor(), catalog_id, item_id, data, if_version)
        db.commit()
        return with_etag(item)

    @if_match(DomainItem, "item_id")
    @blp.response(204)
    def delete(self, catalog_id, item_id, if_version):
        """Delete an item."""
        db = get_session()
        service.domain_item_delete(db, current_actor(), catalog_id, item_id, if_version)
        db.commit()


@blp.route(f"/domain-catalogs/{CATALOG}/items/{ITEM}/mapping")
class Mapping(MethodView):
    @if_match(DomainItem, "item_id")
    @blp.arguments(MappingIn)
    @blp.response(200, DomainItemOut)
    def put(self, data, catalog_id, item_id, if_version):
        """Map the item to a standard 细类 (`matter_id` or `matter_code`); a retired one is refused."""
        db = get_session()
        item = service.mapping_set(db, current_actor(), catalog_id, item_id, if_version=if_version, **data)
        db.commit()
        return with_etag(item)

    @if_match(DomainItem, "item_id")
    @blp.response(200, DomainItemOut)
    def delete(self, catalog_id, item_id, if_version):
        """Clear the item's mapping."""
        db = get_session()
        item = service.mapping_clear(db, current_actor(), catalog_id, item_id, if_version)
        db.commit()
        return with_etag(item)


@blp.route(f"/domain-catalogs/{CATALOG}/unmapped")
class Unmapped(MethodView):
    @blp.response(200, DomainItemOut(many=True))
    def get(self, catalog_id):
        """Items no standard 细类 covers: not mapped, or mapped to a retired matter."""
        return service.domain_unmapped(get_session(), current_actor(), catalog_id)


@blp.route(f"/domain-catalogs/{CATALOG}/export")
class ItemsExport(MethodView):
    @blp.response(200, content_type=XLSX, description="The items and their mappings as an .xlsx attachment")
    def get(self, catalog_id):
        """Export a domain catalog's items with their mappings."""
        db = get_session()
        catalog = service.domain_catalog_get(db, current_actor(), catalog_id)
        content = service.domain_items_export(db, current_actor(), catalog_id)
        return _xlsx(content, f"{catalog.name}-{city_today().isoformat()}.xlsx")


@blp.route(f"/domain-catalogs/{CATALOG}/import")
class ItemsImport(MethodView):
    @blp.arguments(FileIn, location="files")
    @blp.response(200, ItemImportOut)
    def post(self, files, catalog_id):
        """Import items and mappings from .xlsx, all or nothing (422 with `rows` when rejected)."""
        db = get_session()
        summary = service.domain_items_import(db, current_actor(), catalog_id, files["file"].read())
        db.commit()
        return summary
