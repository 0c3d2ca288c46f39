"""Resource search: Chinese substring matching, facets, and three sort orders, done in the database.

SQLite matches through the FTS5 trigram index (`resource_fts`), PostgreSQL through the
pg_trgm GIN index on `search_text`. Terms shorter than three characters cannot use a
trigram index on either engine and fall back to a LIKE over `search_text`. Every query
carries the user's visibility clause, so hits and facet counts never reveal hidden rows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, String, and_, cast, exists, func, select, text
from sqlalchemy.orm import Session

from catalog.tags.models import Tag, TagValue
from tongguan.accounts.models import Department
from tongguan.permissions import Actor, action

from .access import access_for
from .models import RESOURCE_CLASSES, SHARING, STATUSES, Directory, Resource

SORTS = ("relevance", "recent", "use", "name")
FACETS = ("resource_class", "status", "sharing", "department", "tag")
SUBJECT = "resource"  # the tag subject of catalog resources


@dataclass
class SearchResult:
    items: list[dict]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[dict]] = field(default_factory=dict)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _terms(q: str | None) -> list[str]:
    return [t for t in (q or "").split() if t][:8]


def _fts(dialect: str, terms: list[str]):
    """(a subquery of matching ids with a rank, or None) for the index-capable terms."""
    long = [t for t in terms if len(t) >= 3]
    if dialect != "sqlite" or not long:
        return None
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long)
    return (text("SELECT rowid AS id, bm25(resource_fts, 5.0, 1.0) AS rank FROM resource_fts "
                 "WHERE resource_fts MATCH :match").bindparams(match=match)
            .columns(id=Integer, rank=Float).subquery("fts"))


def _tag_filter(tag_id: int):
    return exists().where(TagValue.tag_id == tag_id, TagValue.subject_code == SUBJECT,
                          TagValue.subject_key == cast(Resource.id, String))


@action("catalog.read")
def resource_search(session: Session, actor: Actor, *, q: str | None = None, directory_id: int | None = None,
                    resource_class: str | None = None, status: str | None = None, sharing: str | None = None,
                    department_id: int | None = None, tag_id: list[int] | None = None, sort: str | None = None,
                    page: int = 1, per_page: int = 20, facets: bool = True) -> SearchResult:
    """Search the resources the user may see.

    :param q: words, each matched as a substring of the code, name, description or metadata
    :param directory_id: only this directory and everything below it
    :param tag_id: only resources carrying every one of these tags
    :param sort: relevance (default with q), recent (default without), use, name
    """
    dialect = session.get_bind().dialect.name
    terms = _terms(q)
    conds = [Resource.deleted_at.is_(None), access_for(session, actor).visible_clause()]
    fts = _fts(dialect, terms)
    for term in terms:
        if fts is not None and len(term) >= 3:
            continue  # matched by the FTS join
        pattern = f"%{_escape_like(term)}%"
        conds.append(Resource.search_text.ilike(pattern, escape="\\") if dialect == "postgresql"
                     else Resource.search_text.like(pattern, escape="\\"))
    if directory_id is not None:
        base = session.scalar(select(Directory.path).where(Directory.id == directory_id))
        conds.append(Resource.directory_id.in_(
            select(Directory.id).where(Directory.path.startswith(base or "/none/", autoescape=True))))
    for column, value in ((Resource.resource_class, resource_class), (Resource.status, status),
                          (Resource.sharing, sharing), (Resource.owner_department_id, department_id)):
        if value is not None:
            conds.append(column == value)
    for t in tag_id or []:
        conds.append(_tag_filter(t))

    def filtered(*columns):
        stmt = select(*columns).select_from(Resource)
        if fts is not None:
            stmt = stmt.join(fts, fts.c.id == Resource.id)
        return stmt.where(and_(*conds))

    sort = sort or ("relevance" if terms else "recent")
    if sort == "relevance" and terms:
        if fts is not None:
            order = [fts.c.rank, Resource.id.desc()]  # bm25: lower is better
        elif dialect == "postgresql":
            order = [func.similarity(Resource.name, " ".join(terms)).desc(), Resource.use_count.desc(), Resource.id.desc()]
        else:
            order = [Resource.use_count.desc(), Resource.id.desc()]
    elif sort == "use":
        order = [Resource.use_count.desc(), Resource.id.desc()]
    elif sort == "name":
        order = [Resource.name, Resource.id]
    else:
        order = [Resource.updated_at.desc(), Resource.id.desc()]

    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    rows = list(session.scalars(filtered(Resource).order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    if not facets:
        return SearchResult(items=rows, total=session.scalar(filtered(func.count())) or 0, page=page, per_page=per_page)
    # One grouped pass gives the total and four facets; tags need their own join.
    groups = session.execute(filtered(Resource.resource_class, Resource.status, Resource.sharing,
                                      Resource.owner_department_id, func.count())
                             .group_by(Resource.resource_class, Resource.status, Resource.sharing,
                                       Resource.owner_department_id)).all()
    total = sum(g[-1] for g in groups)
    return SearchResult(items=rows, total=total, page=page, per_page=per_page,
                        facets=_facets(session, filtered, groups))


def _facets(session: Session, filtered, groups) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for i, (name, labels) in enumerate((("resource_class", RESOURCE_CLASSES), ("status", STATUSES),
                                        ("sharing", SHARING))):
        counts = Counter()
        for g in groups:
            counts[g[i]] += g[-1]
        out[name] = [{"value": v, "label": labels.get(v, (v,))[0], "count": n} for v, n in counts.most_common()]
    depts = Counter()
    for g in groups:
        depts[g[3]] += g[-1]
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_(list(depts)))).all())
    out["department"] = [{"value": d, "label": names.get(d, str(d)), "count": n} for d, n in depts.most_common(20)]
    ids = filtered(cast(Resource.id, String)).scalar_subquery()
    tag_counts = session.execute(
        select(TagValue.tag_id, Tag.name, func.count()).join(Tag, Tag.id == TagValue.tag_id)
        .where(TagValue.subject_code == SUBJECT, TagValue.subject_key.in_(ids))
        .group_by(TagValue.tag_id, Tag.name).order_by(func.count().desc()).limit(20)).all()
    out["tag"] = [{"value": t, "label": name, "count": n} for t, name, n in tag_counts]
    return out
