// Where cards sit. Grid pages count in grid units (24 columns; a row is 40px), free pages (big
// screens) in pixels of the canvas. Pure functions over cards: the canvas and the toolbar share them.
import type { Card, Layout, PageDocument } from './document'

export const GRID_COLS = 24
export const ROW_PX = 40

export interface Box {
  x: number
  y: number
  w: number
  h: number
}

export type AlignHow = 'left' | 'center' | 'right' | 'top' | 'middle' | 'bottom'
export type LayerHow = 'up' | 'down' | 'top' | 'bottom'

/** The page's extent in its own units: grid pages are 24 columns wide and grow downwards. */
export function extent(doc: PageDocument): { width: number; height: number } {
  if (doc.layout === 'free') return doc.size ?? { width: 1920, height: 1080 }
  const rows = doc.cards.reduce((m, c) => Math.max(m, c.y + c.h), 0)
  return { width: GRID_COLS, height: Math.max(rows, 1) }
}

/** Keep a box on the page: inside the columns (grid) or the canvas (free), at least one unit big. */
export function clampBox(box: Box, doc: PageDocument): Box {
  const w = Math.max(1, Math.round(box.w))
  const h = Math.max(1, Math.round(box.h))
  if (doc.layout === 'grid') {
    const cw = Math.min(w, GRID_COLS)
    return { x: Math.min(Math.max(0, Math.round(box.x)), GRID_COLS - cw), y: Math.max(0, Math.round(box.y)), w: cw, h }
  }
  const { width, height } = doc.size ?? { width: 1920, height: 1080 }
  const cw = Math.min(w, width)
  const ch = Math.min(h, height)
  return {
    x: Math.min(Math.max(0, Math.round(box.x)), width - cw),
    y: Math.min(Math.max(0, Math.round(box.y)), height - ch),
    w: cw,
    h: ch,
  }
}

/** A new card's size by its category: metrics small, titles wide and short, charts and maps big. */
export function defaultSize(layout: Layout, category: string): { w: number; h: number } {
  const grid: Record<string, [number, number]> = { metric: [6, 3], text: [12, 2], table: [12, 8], map: [12, 10], list: [8, 8], event: [8, 8] }
  const free: Record<string, [number, number]> = { metric: [320, 160], text: [640, 96], table: [640, 400], map: [800, 560], list: [440, 480], event: [440, 480] }
  const [w, h] = (layout === 'grid' ? grid : free)[category] ?? (layout === 'grid' ? [8, 6] : [560, 340])
  return { w, h }
}

/** The first free spot below everything (grid): where a clicked palette item lands. */
export function nextSpot(doc: PageDocument, size: { w: number; h: number }): { x: number; y: number } {
  if (doc.layout === 'grid') return { x: 0, y: doc.cards.reduce((m, c) => Math.max(m, c.y + c.h), 0) }
  const n = doc.cards.length % 10
  return { x: 40 + n * 40, y: 40 + n * 30 }
}

export function bounds(cards: Card[]): Box {
  const x = Math.min(...cards.map((c) => c.x))
  const y = Math.min(...cards.map((c) => c.y))
  const r = Math.max(...cards.map((c) => c.x + c.w))
  const b = Math.max(...cards.map((c) => c.y + c.h))
  return { x, y, w: r - x, h: b - y }
}

/** Align the cards to each other's edge or centre; a single card aligns to the page. */
export function align(cards: Card[], how: AlignHow, doc: PageDocument) {
  const movable = cards.filter((c) => !c.locked)
  if (!movable.length) return
  const page = extent(doc)
  const box = cards.length > 1 ? bounds(cards) : { x: 0, y: 0, w: page.width, h: doc.layout === 'grid' ? bounds(cards).h + bounds(cards).y : page.height }
  for (const c of movable) {
    if (how === 'left') c.x = box.x
    else if (how === 'right') c.x = box.x + box.w - c.w
    else if (how === 'center') c.x = Math.round(box.x + (box.w - c.w) / 2)
    else if (how === 'top') c.y = box.y
    else if (how === 'bottom') c.y = box.y + box.h - c.h
    else c.y = Math.round(box.y + (box.h - c.h) / 2)
    Object.assign(c, clampBox(c, doc))
  }
}

const Z_MIN = -1000
const Z_MAX = 1000

/** Layer order: top/bottom go past every other card; up/down swap with the nearest card above/below. */
export function layer(all: Card[], selected: Set<string>, how: LayerHow) {
  const z = (c: Card) => c.z ?? 0
  const mine = all.filter((c) => selected.has(c.id))
  const others = all.filter((c) => !selected.has(c.id))
  if (!mine.length) return
  if (how === 'top' || how === 'bottom') {
    const edge = others.length ? (how === 'top' ? Math.max(...others.map(z)) + 1 : Math.min(...others.map(z)) - 1) : 0
    for (const c of mine) c.z = Math.max(Z_MIN, Math.min(Z_MAX, edge))
    return
  }
  for (const c of mine) {
    const step = how === 'up' ? 1 : -1
    const past = others.filter((o) => (how === 'up' ? z(o) >= z(c) : z(o) <= z(c)) && overlaps(o, c))
    const next = past.length ? (how === 'up' ? Math.min(...past.map(z)) : Math.max(...past.map(z))) : z(c)
    c.z = Math.max(Z_MIN, Math.min(Z_MAX, next + step))
  }
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/** Resize by a handle ('n', 'se', ...) by (dx, dy) units from the box where the drag began. */
export function resizeBox(start: Box, handle: string, dx: number, dy: number): Box {
  const box = { ...start }
  if (handle.includes('e')) box.w = Math.max(1, start.w + dx)
  if (handle.includes('s')) box.h = Math.max(1, start.h + dy)
  if (handle.includes('w')) {
    const w = Math.max(1, start.w - dx)
    box.x = start.x + start.w - w
    box.w = w
  }
  if (handle.includes('n')) {
    const h = Math.max(1, start.h - dy)
    box.y = start.y + start.h - h
    box.h = h
  }
  return box
}
