"""Merge English translations into the en catalog, then compile it.

    .venv/bin/python scripts/translate.py < lines.tsv

Each input line is `中文<TAB>English`. Existing entries are overwritten; nothing else changes.
"""
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "tongguan/translations/en/LC_MESSAGES/messages.po"


def main() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    added = 0
    for line in sys.stdin.read().splitlines():
        if not line.strip():
            continue
        zh, _, en = line.partition("\t")
        if not en:
            sys.exit(f"no tab-separated English in: {line!r}")
        catalog.add(zh, en.strip())
        added += 1
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=0)
    with PO.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, catalog)
    print(f"{added} translations merged into {PO.name}")


if __name__ == "__main__":
    main()
