"""Saving and opening uploaded files. Call `save` with the open stream of an upload;
it sniffs the content, enforces the kind's size limit, and writes the bytes once
under STORAGE_PATH/<sha[:2]>/<sha> (identical uploads share one copy)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from .kinds import KIND_NAMES, KINDS
from .models import StoredFile

CHUNK = 1024 * 1024


def _sniff(head: bytes) -> str | None:
    guess = filetype.guess(head)
    if guess is not None:
        return guess.mime
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample is fine
            if exc.start < len(head) - 4:
                return None
        return "text/plain"
    return None


def _path(root: str, sha: str) -> Path:
    return Path(root) / sha[:2] / sha


def save(session: Session, stream: BinaryIO, filename: str, kind: str, *, storage_path: str,
         created_by: int | None = None, field: str = "file") -> StoredFile:
    """Store an upload of `kind` (document, image, audio, video) or raise Invalid naming `field`."""
    if kind not in KINDS:
        raise Invalid("This kind of file cannot be uploaded.", {field: [f"不支持的文件类别 {kind}"]})
    accepted, limit = KINDS[kind]
    root = Path(storage_path)
    root.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise Invalid("The file is too large.",
                                  {field: [f"文件超过 {limit // (1024 * 1024)} MB 的上限 (file too large)"]})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("The file is empty.", {field: ["文件为空 (empty file)"]})
        mime = _sniff(head)
        if mime not in accepted:
            raise Invalid("The file's content is not of the expected kind.",
                          {field: [f"文件内容（{mime or '未知'}）不是允许的{KIND_NAMES[kind]}格式 (content not accepted)"]})
        sha = digest.hexdigest()
        target = _path(storage_path, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    name = os.path.basename(filename or "").strip() or f"{kind}"
    stored = StoredFile(sha256=sha, size=size, mime=mime, kind=kind, filename=name[:255], created_by=created_by)
    session.add(stored)
    session.flush()
    return stored


def open_file(session: Session, file_id: int, *, storage_path: str) -> tuple[StoredFile, Path]:
    stored = session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound(f"File {file_id} does not exist.")
    path = _path(storage_path, stored.sha256)
    if not path.exists():
        raise NotFound(f"The bytes of file {file_id} are missing from storage.")
    return stored, path
