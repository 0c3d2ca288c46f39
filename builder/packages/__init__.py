"""Signed resource packages (资源包): a zip with a manifest of every file's hash, signed with
the platform's Ed25519 key, verified against the platform key and the trusted keys.

`configure` is called once by the app factory with the instance folder and the configuration
(a plain mapping); the service itself never reads Flask state."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from . import archive, signing

KEY_FILE = Path("keys") / "package_signing.pem"


def configure(instance_path: str | Path, config: Mapping) -> None:
    """Where the platform key lives (`PACKAGE_SIGNING_KEY` PEM text, else a file in the instance
    folder created on first use) and the size limits of packages (`PACKAGE_MAX_BYTES`,
    `PACKAGE_MAX_UNPACKED_BYTES`, `PACKAGE_MAX_ENTRIES`)."""
    signing.configure(Path(instance_path) / KEY_FILE, config.get("PACKAGE_SIGNING_KEY") or None)
    default = archive.Limits()
    archive.configure(archive.Limits(
        max_bytes=int(config.get("PACKAGE_MAX_BYTES") or default.max_bytes),
        max_unpacked_bytes=int(config.get("PACKAGE_MAX_UNPACKED_BYTES") or default.max_unpacked_bytes),
        max_entries=int(config.get("PACKAGE_MAX_ENTRIES") or default.max_entries),
    ))
