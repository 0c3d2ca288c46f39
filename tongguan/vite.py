"""Vite manifest -> HTML tags for the Vue pages (``vite_entry('<name>')`` in templates).

``npm run build`` writes ``static/dist/.vite/manifest.json``; each page entry is
``static/src/pages/<name>.ts``. The manifest is cached and re-read when its mtime changes.
See https://vite.dev/guide/backend-integration.html
"""
from __future__ import annotations

import json
import os
import threading

from flask import Flask, url_for
from markupsafe import Markup, escape

ENTRY_DIR = "static/src/pages"
NOT_BUILT = "front-end not built: run `make assets` (npm ci && npm run build)"


class ViteManifest:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: int | None = None
        self._data: dict = {}

    def data(self) -> dict:
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            raise RuntimeError(f"{NOT_BUILT}; missing {self.path}") from None
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    with open(self.path, encoding="utf-8") as f:
                        self._data = json.load(f)
                    self._mtime = mtime
        return self._data

    def entry_key(self, name: str) -> str:
        manifest = self.data()
        for ext in (".ts", ".js"):
            key = f"{ENTRY_DIR}/{name}{ext}"
            if key in manifest:
                return key
        raise RuntimeError(f"unknown Vite entry {name!r}: expected {ENTRY_DIR}/{name}.ts in the manifest "
                           f"(add the page and rebuild: npm run build)")

    def files(self, name: str) -> tuple[list[str], list[str], str]:
        """(css files, preloaded chunk files, entry file), all relative to static/dist/."""
        manifest = self.data()
        key = self.entry_key(name)
        css: list[str] = []
        preload: list[str] = []
        seen: set[str] = set()

        def walk(k: str) -> None:  # dependencies first, so CSS cascades like Vite's own HTML
            if k in seen:
                return
            seen.add(k)
            chunk = manifest[k]
            for dep in chunk.get("imports", []):
                walk(dep)
            css.extend(c for c in chunk.get("css", []) if c not in css)
            if k != key:
                preload.append(chunk["file"])

        walk(key)
        return css, preload, manifest[key]["file"]


def _url(file: str) -> str:
    return url_for("static", filename=f"dist/{file}")


def init_app(app: Flask) -> None:
    manifest = ViteManifest(os.path.join(app.static_folder or "static", "dist", ".vite", "manifest.json"))
    app.extensions["vite"] = manifest

    def vite_entry(name: str) -> Markup:
        css, preload, entry = manifest.files(name)
        tags = [f'<link rel="stylesheet" href="{escape(_url(f))}">' for f in css]
        tags += [f'<link rel="modulepreload" href="{escape(_url(f))}">' for f in preload]
        tags.append(f'<script type="module" src="{escape(_url(entry))}"></script>')
        return Markup("\n".join(tags))

    app.jinja_env.globals["vite_entry"] = vite_entry
