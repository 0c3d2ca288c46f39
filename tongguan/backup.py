"""Portable backups: every table as JSON lines plus every stored file, in one zip.

The archive names the schema revision it was taken at; restoring needs an
empty database, brings it to that revision, and loads the rows through
SQLAlchemy's types, so a SQLite backup restores into PostgreSQL and back.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import zipfile
from pathlib import Path, PurePosixPath

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric

from .db import current_revision, head_revision, import_models, is_empty, refresh_statistics, upgrade, utcnow

FORMAT = "tongguan-backup@1"
BATCH = 1000


class RestoreError(RuntimeError):
    pass


def _encode(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(column):
    kind = column.type
    base = getattr(kind, "impl", kind)  # TypeDecorators (UTCDateTime) wrap a base type
    if isinstance(base, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(base, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(base, Numeric) and not isinstance(base, Float):
        return lambda v: None if v is None else decimal.Decimal(v)
    if isinstance(base, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(base, Boolean | Integer | JSON):
        return lambda v: v
    return lambda v: v


def _tables() -> list[Table]:
    return list(import_models().sorted_tables)


def _file_tables(conn) -> dict[str, list[dict]]:
    """The tables holding uploaded files' rows (data sources of kind file): not in the models,
    described by their source's `fields`."""
    from runtime.sources.models import DataSource

    rows = conn.execute(select(DataSource.id, DataSource.fields).where(DataSource.kind == "file")).all()
    return {f"src_{i}": fields for i, fields in rows if fields}


def backup(engine: Engine, storage_path: str, archive: str) -> dict:
    """Write `archive`; returns counts."""
    summary = {"tables": 0, "rows": 0, "files": 0}
    manifest = {"format": FORMAT, "revision": current_revision(engine), "created_at": utcnow().isoformat(),
                "dialect": engine.dialect.name, "tables": {}, "files": []}
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf, engine.connect() as conn:
        for table in _tables():
            pk = list(table.primary_key.columns)
            rows = 0
            with zf.open(f"tables/{table.name}.jsonl", "w") as out:
                for row in conn.execute(select(table).order_by(*pk)).mappings():
                    line = json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False, default=str)
                    out.write(line.encode() + b"\n")
                    rows += 1
            manifest["tables"][table.name] = rows
            summary["tables"] += 1
            summary["rows"] += rows
        from runtime.sources.tabular import table_for

        manifest["file_tables"] = {}
        for name, fields in _file_tables(conn).items():
            table = table_for(name, fields)
            if not conn.dialect.has_table(conn, name):
                continue
            with zf.open(f"tables/{name}.jsonl", "w") as out:
                for row in conn.execute(select(table).order_by(table.c._row)).mappings():
                    out.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False).encode() + b"\n")
            manifest["file_tables"][name] = fields
        root = Path(storage_path)
        if root.exists():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = path.relative_to(root).as_posix()
                zf.write(path, f"files/{rel}")
                manifest["files"].append(rel)
                summary["files"] += 1
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return summary


def _parents_first(table: Table, rows: list[dict]) -> list[dict]:
    """Order rows of a self-referencing table so that every parent precedes its children."""
    self_fks = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not self_fks:
        return rows
    col, target = self_fks[0].parent.name, self_fks[0].column.name
    by_key = {row[target]: row for row in rows}
    ordered, seen = [], set()

    def visit(row):
        key = row[target]
        if key in seen:
            return
        parent = by_key.get(row[col])
        if parent is not None and parent[target] not in seen:
            visit(parent)
        seen.add(key)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def restore(engine: Engine, storage_path: str, archive: str) -> dict:
    """Load `archive` into an empty database; refuses anything else and writes nothing then."""
    with zipfile.ZipFile(archive) as zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError:
            raise RestoreError("not a Tongguan backup: manifest.json is missing") from None
        if manifest.get("format") != FORMAT:
            raise RestoreError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["revision"] != head_revision():
            raise RestoreError(
                f"the backup was taken at schema revision {manifest['revision']}, this code is at {head_revision()}; "
                "restore it with the matching Tongguan version, upgrade there, and back up again"
            )
        for rel in manifest["files"]:
            if PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
                raise RestoreError(f"refusing a file path outside the storage folder: {rel}")
        current = current_revision(engine)
        if current not in (None, head_revision()) or not is_empty(engine):
            raise RestoreError("the target database is not empty; restore only into a fresh database")
        upgrade(engine)
        summary = {"tables": 0, "rows": 0, "files": 0}
        with engine.begin() as conn:
            # The migrations seed reference rows (roles): the backup's rows replace them.
            for table in reversed(_tables()):
                conn.execute(table.delete())
            for table in _tables():
                decoders = {c.name: _decoder(c) for c in table.columns}
                rows = []
                with zf.open(f"tables/{table.name}.jsonl") as fh:
                    for line in fh:
                        raw = json.loads(line)
                        rows.append({k: decoders[k](v) for k, v in raw.items() if k in decoders})
                rows = _parents_first(table, rows)
                for start in range(0, len(rows), BATCH):
                    conn.execute(insert(table), rows[start:start + BATCH])
                summary["tables"] += 1
                summary["rows"] += len(rows)
                _reset_sequence(conn, table)
            from runtime.sources.tabular import table_for

            for name, fields in manifest.get("file_tables", {}).items():
                table = table_for(name, fields)
                table.create(conn)
                decoders = {c.name: _decoder(c) for c in table.columns}
                with zf.open(f"tables/{name}.jsonl") as fh:
                    rows = [{k: decoders[k](v) for k, v in json.loads(line).items() if k in decoders} for line in fh]
                for start in range(0, len(rows), BATCH):
                    conn.execute(insert(table), rows[start:start + BATCH])
                summary["rows"] += len(rows)
            refresh_statistics(conn)
        root = Path(storage_path)
        for rel in manifest["files"]:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(f"files/{rel}"))
            summary["files"] += 1
    return summary


def _reset_sequence(conn, table: Table) -> None:
    """PostgreSQL identity sequences do not see explicit ids; move them past the restored ones."""
    if conn.dialect.name != "postgresql":
        return
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or not isinstance(pk[0].type, Integer) or not pk[0].autoincrement:
        return
    top = conn.execute(select(func.max(pk[0]))).scalar()
    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}).scalar()
    if seq and top is not None:
        conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": top})
