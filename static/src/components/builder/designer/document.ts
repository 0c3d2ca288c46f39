// The page document as the designer edits it (builder/documents.py is the source of truth),
// new cards and their ids, and the three-way merge behind 「合并」 after a 412.
import { ApiError, errorMessage, t } from '../../../app'

export type Layout = 'grid' | 'free'
export type Theme = 'dark' | 'light'

export interface Card {
  id: string
  type: string // code@major, e.g. chart.bar@1
  title?: string
  x: number
  y: number
  w: number
  h: number
  z?: number
  props?: Record<string, unknown>
  binding?: Record<string, unknown>
  refresh_s?: number
  hidden?: boolean
  locked?: boolean
  group?: string
}

export interface PageParam {
  name: string
  title?: string
  type: 'date' | 'area' | 'text'
  default?: string | number | boolean | null
}

export interface PageDocument {
  layout: Layout
  size?: { width: number; height: number }
  theme?: Theme
  background?: { color?: string; image?: string }
  params?: PageParam[]
  cards: Card[]
}

export interface AppItem {
  id: number
  code: string
  name: string
  kind: 'card' | 'page' | 'screen' | 'mobile'
  description: string
  state: 'draft' | 'published' | 'offline'
  version: number
  updated_at: string
}

export interface AppPageItem {
  id: number
  app_id: number
  code: string
  name: string
  position: number
  version: number
  updated_by_name: string
  updated_at: string
  document?: PageDocument
}

export interface Revision {
  number: number
  author_name: string
  message: string
  restored_from: number | null
  created_at: string
}

/** What the draft-data endpoint answers for one card (the lead's contract). */
export type CardData =
  | { ok: true; rows?: unknown[]; dimension?: string; measures?: string[]; labels?: Record<string, string>; unit?: string; spec?: unknown; slots?: unknown }
  | { ok: false; error: string }

export const DEFAULT_SIZE = { width: 1920, height: 1080 }

/** The first page of a new app: a big screen is a free 1920×1080 dark canvas, the rest a light grid. */
export function blankDocument(kind: string): PageDocument {
  return kind === 'screen'
    ? { layout: 'free', size: { ...DEFAULT_SIZE }, theme: 'dark', params: [], cards: [] }
    : { layout: 'grid', theme: 'light', params: [], cards: [] }
}

/** A random card id: two editors adding cards at once rarely pick the same one, and merge renames if they do. */
export function newCardId(taken: Set<string>): string {
  for (;;) {
    const id = `c_${Math.random().toString(36).slice(2, 8)}`
    if (!taken.has(id)) return id
  }
}

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value))

const byId = (doc: PageDocument) => new Map(doc.cards.map((c) => [c.id, c]))
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * 「合并」: take `theirs` (what the page is now) and re-apply what I changed since `base` (what I
 * loaded), card by card. Cards I added are added (renamed if their id is taken), cards I removed are
 * removed, and on a card we both changed each of my changed keys wins; page keys likewise.
 * Their changes elsewhere are kept, and so are all of mine: nothing is lost.
 */
export function mergeDocuments(base: PageDocument, mine: PageDocument, theirs: PageDocument): PageDocument {
  const out = clone(theirs)
  for (const key of Object.keys({ ...base, ...mine }) as (keyof PageDocument)[]) {
    if (key === 'cards') continue
    if (!same(base[key], mine[key])) (out as any)[key] = clone(mine[key])
  }
  const old = byId(base)
  const now = byId(out)
  for (const card of mine.cards) {
    const before = old.get(card.id)
    if (!before) {
      const copy = clone(card)
      if (now.has(copy.id)) copy.id = newCardId(new Set([...now.keys(), ...mine.cards.map((c) => c.id)]))
      out.cards.push(copy)
      now.set(copy.id, copy)
      continue
    }
    const target = now.get(card.id)
    if (!target) {
      // they removed a card I changed: keep mine, it is the newer intent
      if (!same(before, card)) {
        out.cards.push(clone(card))
        now.set(card.id, card)
      }
      continue
    }
    for (const key of Object.keys({ ...before, ...card }) as (keyof Card)[]) {
      if (same(before[key], card[key])) continue
      if (card[key] === undefined) delete (target as any)[key]
      else (target as any)[key] = clone(card[key])
    }
  }
  const mineIds = new Set(mine.cards.map((c) => c.id))
  const removed = new Set([...old.keys()].filter((id) => !mineIds.has(id)))
  out.cards = out.cards.filter((c) => !removed.has(c.id))
  return out
}

/** A 422's field errors of a page save, by card id: {cardId: {"props.color": [..]}}, and the page's own. */
export function errorsByCard(e: unknown, cards: Card[]): { cards: Record<string, Record<string, string[]>>; page: Record<string, string[]> } {
  const out = { cards: {} as Record<string, Record<string, string[]>>, page: {} as Record<string, string[]> }
  if (!(e instanceof ApiError)) return out
  const errors = (e.problem.errors ?? {}) as Record<string, unknown>
  const flat: Record<string, unknown> = (errors.json as Record<string, unknown>) ?? errors
  for (const [path, messages] of Object.entries(flat)) {
    const list = Array.isArray(messages) ? messages.map(String) : [String(messages)]
    const m = /^(?:document\.|pages\.[^.]+\.)?cards\[(\d+)\](?:\.(.*))?$/.exec(path)
    const card = m ? cards[Number(m[1])] : undefined
    if (m && card) (out.cards[card.id] ??= {})[m[2] || ''] = list
    else out.page[path.replace(/^document\.?/, '') || 'document'] = list
  }
  return out
}

/** The API's complaint in one line. */
export function problemText(e: unknown): string {
  if (e instanceof ApiError && e.status === 422) {
    const msgs = Object.values(e.fieldErrors)
    if (msgs.length) return msgs.join('；')
  }
  return errorMessage(e) || t('操作失败')
}

// --- local drafts (autosave) ---------------------------------------------------------------------

export interface LocalDraft {
  version: number
  saved_at: number
  base: PageDocument
  document: PageDocument
}

const PREFIX = 'tg-designer-draft'
const draftKey = (appId: number, pageId: number, version: number) => `${PREFIX}:${appId}:${pageId}:v${version}`

export function keepDraft(appId: number, pageId: number, draft: LocalDraft) {
  try {
    localStorage.setItem(draftKey(appId, pageId, draft.version), JSON.stringify(draft))
  } catch {
    /* storage full or off: the server copy is still there */
  }
}

/** The newest local draft of the page (any version), or null. */
export function findDraft(appId: number, pageId: number): LocalDraft | null {
  let best: LocalDraft | null = null
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)
    if (!key?.startsWith(`${PREFIX}:${appId}:${pageId}:`)) continue
    try {
      const draft = JSON.parse(localStorage.getItem(key) || 'null') as LocalDraft
      if (draft && (!best || draft.saved_at > best.saved_at)) best = draft
    } catch {
      /* a broken entry is ignored */
    }
  }
  return best
}

export function dropDrafts(appId: number, pageId: number) {
  const keys: string[] = []
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)
    if (key?.startsWith(`${PREFIX}:${appId}:${pageId}:`)) keys.push(key)
  }
  keys.forEach((k) => localStorage.removeItem(k))
}
