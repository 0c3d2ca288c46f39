"""Uploading a third-party component package (组件包): verify the signed zip with `builder.packages`,
check the component it describes with `catalog.registry.packages`, then register it there.

It lives in builder because the catalog may not import builder (tests/test_conventions.py), and the
package verification is builder's. A package is refused whole, listing every problem found at once
(the package's own areas: package, entries, manifest, files, signature; the component's under
`component`), and nothing is written then. See catalog/registry/packages.py for the format."""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from catalog.registry import packages as registry_packages
from catalog.registry.models import ComponentVersion
from tongguan.errors import Invalid
from tongguan.permissions import Actor, action

from .packages import archive
from .packages import service as package_service
from .packages.archive import MANIFEST, Problems

@action("component.manage")
def component_package_upload(session: Session, actor: Actor, data: bytes, *, storage_path: str,
                             allow_unsigned: bool = False) -> ComponentVersion:
    """Register a component package: a new component, or a new version of a third-party one, at
    需求分析 (analysis) like any new version, with its manual, API document and renderer.

    :param data: the package (a zip), signed by the platform key or a trusted key
    :param allow_unsigned: accept an unsigned package, or one signed by a key nobody trusts (the
        caller decides whether the platform allows it at all)
    """
    problems = Problems()
    verified = None
    try:
        verified = package_service.verify_package(session, actor, data, allow_unsigned)
    except Invalid as exc:
        for area, found in (exc.errors or {}).items():
            problems.errors[area] = found
    try:  # the component is checked too, so that one answer lists everything
        entries, _ = archive.read(data, archive.LIMITS, Problems())
    except Invalid:
        entries = None  # not a zip, too big, a zip bomb: the package's problems say so
    if entries is not None:
        manifest = verified["manifest"] if verified else _manifest(entries)
        checked, errors = registry_packages.check(session, entries, manifest)
        for field_name, messages in errors.items():
            for message in messages:
                problems.add("component", message, field_name)
    problems.raise_if_any()
    return registry_packages.register(
        session, actor, checked, package_sha256=hashlib.sha256(data).hexdigest(), signed_by=verified["signed_by"],
        trusted=verified["trusted"], storage_path=storage_path)


def _manifest(entries: dict[str, bytes]) -> dict | None:
    """The package manifest as far as it reads (its problems are reported by the verification)."""
    if MANIFEST not in entries:
        return None
    return archive.parse_manifest(entries[MANIFEST], Problems(), with_files=False)
