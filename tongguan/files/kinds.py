"""Which files are accepted: sniffed from their first bytes, never trusted from the name.

kind -> (accepted MIME types, size limit in bytes). Plain text has no magic number:
it is accepted when it decodes as UTF-8 and holds no NUL.
"""
from __future__ import annotations

MB = 1024 * 1024

KINDS: dict[str, tuple[frozenset[str], int]] = {
    "document": (frozenset({
        "application/pdf", "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword", "application/vnd.ms-excel", "application/zip",
    }), 50 * MB),
    "image": (frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"}), 20 * MB),
    "audio": (frozenset({"audio/mpeg", "audio/x-wav", "audio/ogg", "audio/x-flac", "audio/aac", "audio/mp4",
                         "audio/amr"}), 100 * MB),
    "video": (frozenset({"video/mp4", "video/webm", "video/quicktime", "video/x-msvideo", "video/x-matroska",
                         "video/x-flv", "video/mpeg"}), 200 * MB),
}

KIND_NAMES = {"document": "文档", "image": "图片", "audio": "音频", "video": "视频"}
