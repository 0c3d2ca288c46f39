"""Catalog figures (issue 4): search, directory statistics, XLSX import.

    python bench/catalog.py                 # the issue's sizes: 100,000 resources, 1,000,000 tag values
    python bench/catalog.py --resources 5000 --tag-values 50000 --import-rows 1000   # a quick look

Builds a fresh SQLite file and a fresh PostgreSQL database (TONGGUAN_BENCH_POSTGRES_URL, default the
local server), fills both with the seeded generator, and measures through the service functions the
API calls, as a department user whose grant covers the data root (so the visibility clause is paid).
The last line is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from fresh_pg import fresh_database  # noqa: E402

from catalog.resources import io as catalog_io  # noqa: E402
from catalog.resources import sample  # noqa: E402
from catalog.resources import service as catalog  # noqa: E402
from catalog.resources.models import Directory, Resource  # noqa: E402
from catalog.resources.search import resource_search  # noqa: E402
from catalog.resources.stats import directory_stats  # noqa: E402
from catalog.tags.models import TagValue  # noqa: E402
from tongguan.accounts import service as accounts  # noqa: E402
from tongguan.accounts.service import ensure_roles  # noqa: E402
from tongguan.db import make_engine, upgrade  # noqa: E402
from tongguan.errors import ImportRejected  # noqa: E402
from tongguan.permissions import Actor  # noqa: E402

PG_URL = os.environ.get("TONGGUAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench")
QUERY = "江东区积水点"  # 6 characters: a district and a topic, ~1/240 of the names
SEARCH_RUNS = 60


def p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[-1], 1) if len(samples) >= 2 else round(samples[0], 1)


def setup(url: str, args) -> tuple:
    engine = make_engine(url)
    upgrade(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    s = Session()
    ensure_roles(s)
    catalog.ensure_roots(s)
    system = Actor.system("bench")
    city = accounts.department_create(s, system, {"code": "city", "name": "临江市城运中心", "level": "city"})
    depts = [accounts.department_create(s, system, {"code": f"d{i}", "name": f"委办局{i}", "level": "city",
                                                     "parent_id": city.id}) for i in range(12)]
    s.commit()
    t = time.perf_counter()
    made = sample.generate(s, resources=args.resources, tag_values=args.tag_values)
    gen_s = time.perf_counter() - t
    user = accounts.user_create(s, system, {"username": "bench", "display_name": "bench", "roles": ["author"],
                                            "department_id": depts[3].id, "password": "bench-password-1"})
    catalog.catalog_grant_create(s, system, {"directory_id": made["root_id"], "department_id": depts[3].id,
                                             "level": "edit"})
    s.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    actor = Actor.for_user(s.get(type(user), user.id))
    s.close()
    return engine, Session, actor, made, gen_s


def bench_search(Session, actor, made) -> tuple[float, int]:
    tag = made["tags"][5]
    samples, hits = [], 0
    for i in range(SEARCH_RUNS):
        s = Session()
        t = time.perf_counter()
        r = resource_search(s, actor, q=QUERY, sharing="conditional", tag_id=[tag], per_page=20)
        samples.append((time.perf_counter() - t) * 1000)
        hits = r.total
        s.close()
    return p95(samples[5:]), hits


def bench_search_in_python(Session, actor, made) -> tuple[float, int]:
    """The same search by loading the visible rows and filtering them in Python: the baseline."""
    tag = made["tags"][5]
    samples, hits = [], 0
    for _ in range(5):
        s = Session()
        t = time.perf_counter()
        from catalog.resources.access import access_for

        rows = s.execute(select(Resource.id, Resource.search_text, Resource.sharing, Resource.resource_class,
                                Resource.status, Resource.owner_department_id, Resource.updated_at)
                         .where(Resource.deleted_at.is_(None), access_for(s, actor).visible_clause())).all()
        tagged = set(s.scalars(select(TagValue.subject_key).where(TagValue.tag_id == tag,
                                                                  TagValue.subject_code == "resource")))
        matched = [r for r in rows if QUERY in r.search_text and r.sharing == "conditional" and str(r.id) in tagged]
        facets = {}
        for key in ("resource_class", "status", "sharing", "owner_department_id"):
            for r in matched:
                facets.setdefault(key, {}).setdefault(getattr(r, key), 0)
                facets[key][getattr(r, key)] += 1
        page = sorted(matched, key=lambda r: r.updated_at, reverse=True)[:20]
        s.scalars(select(Resource).where(Resource.id.in_([r.id for r in page]))).all()
        samples.append((time.perf_counter() - t) * 1000)
        hits = len(matched)
        s.close()
    return p95(samples), hits


def bench_stats(Session, actor, made) -> tuple[float, int]:
    samples, total = [], 0
    for _ in range(25):
        s = Session()
        t = time.perf_counter()
        total = directory_stats(s, actor, made["big_directory_id"])["total"]
        samples.append((time.perf_counter() - t) * 1000)
        s.close()
    return p95(samples[3:]), total


def xlsx(rows: int, bad_row: int | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("资源")
    ws.append(list(catalog_io.COLUMNS.values())[:-1])
    for i in range(rows):
        dept = "nowhere" if bad_row is not None and i == bad_row else "d3"
        ws.append([f"导入{i % 20}", f"IMP-{i:06d}", f"江东区导入资源{i}", "批量导入的数据资源", dept, "已发布", "有条件共享",
                   "每日", "张三", "", json.dumps({"source_system": "导入系统"}, ensure_ascii=False)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bench_import(Session, actor, made, rows: int) -> tuple[float, str]:
    s = Session()
    target = catalog.directory_create(s, actor, {"parent_id": made["root_id"], "name": "批量导入"})
    s.commit()
    bad = xlsx(rows, bad_row=rows // 2)
    try:
        catalog_io.import_directory(s, actor, target.id, io.BytesIO(bad), "bad.xlsx")
        rejected = "NOT rejected"
    except ImportRejected as exc:
        s.rollback()
        rejected = f"rejected, {len(exc.rows)} bad row(s): row {exc.rows[0]['row']} {exc.rows[0]['field']}"
    left = s.scalar(select(Resource.id).where(Resource.code.like("IMP-%")).limit(1))
    rejected += ", nothing imported" if left is None else ", BUT ROWS WERE WRITTEN"
    good = xlsx(rows)
    t = time.perf_counter()
    out = catalog_io.import_directory(s, actor, target.id, io.BytesIO(good), "good.xlsx")
    s.commit()
    seconds = time.perf_counter() - t
    assert out["created"] == rows, out
    s.close()
    return round(seconds, 2), rejected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--tag-values", type=int, default=1_000_000)
    ap.add_argument("--import-rows", type=int, default=10_000)
    ap.add_argument("--skip-postgresql", action="store_true")
    args = ap.parse_args()
    figures: dict[str, object] = {"resources": args.resources, "tag_values": args.tag_values}
    with tempfile.TemporaryDirectory() as tmp:
        engines = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if not args.skip_postgresql:
            engines.append(("postgresql", fresh_database(PG_URL)))
        for name, url in engines:
            print(f"[{name}] generating {args.resources:,} resources and {args.tag_values:,} tag values ...", flush=True)
            engine, Session, actor, made, gen_s = setup(url, args)
            print(f"[{name}] generated in {gen_s:.1f} s", flush=True)
            figures[f"search_p95_ms_{name}"], figures[f"search_hits_{name}"] = bench_search(Session, actor, made)
            figures[f"dir_stats_ms_{name}"], figures[f"dir_stats_resources_{name}"] = bench_stats(Session, actor, made)
            if name == "sqlite":
                figures["search_in_python_p95_ms"], _ = bench_search_in_python(Session, actor, made)
                figures["xlsx_import_10k_s"], figures["xlsx_bad_row"] = bench_import(
                    Session, actor, made, args.import_rows)
                figures["xlsx_import_rows"] = args.import_rows
            engine.dispose()
        if not args.skip_postgresql:
            url = make_url(PG_URL)
            admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False)) \
                .execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.dispose()

    print()
    print(f"{'figure':<44}{'measured':>12}   baseline / target")
    rows = [
        (f"search p95, SQLite ('{QUERY}' + 2 facets)", "search_p95_ms_sqlite", "ms", "≤ 30 ms"),
        (f"search p95, PostgreSQL", "search_p95_ms_postgresql", "ms", "≤ 30 ms"),
        ("same search loading rows into Python, p95", "search_in_python_p95_ms", "ms", "baseline"),
        ("directory statistics, SQLite", "dir_stats_ms_sqlite", "ms", "≤ 100 ms"),
        ("directory statistics, PostgreSQL", "dir_stats_ms_postgresql", "ms", "≤ 100 ms"),
        (f"XLSX import of {args.import_rows:,} rows, SQLite", "xlsx_import_10k_s", "s", "≤ 10 s"),
    ]
    for label, key, unit, target in rows:
        if key in figures:
            print(f"{label:<44}{figures[key]:>10} {unit:<2}   {target}")
    for name in ("sqlite", "postgresql"):
        if f"dir_stats_resources_{name}" in figures:
            print(f"  ({name}: the statistics directory holds {figures[f'dir_stats_resources_{name}']:,} resources; "
                  f"the search finds {figures[f'search_hits_{name}']} hits)")
    if "xlsx_bad_row" in figures:
        print(f"  (a file with one bad row: {figures['xlsx_bad_row']})")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
