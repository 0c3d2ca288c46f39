// The runtime viewer's plain pieces, shared with the designer: the shapes of run documents and
// card data, the fetch helpers, linkage (filters picked on one card), layout and scaling math,
// the offline base map, and a small safe Markdown renderer. No Vue components here.
import { api, t, tg } from '../../app'

// --- shapes ---------------------------------------------------------------------------------------

export type Theme = 'dark' | 'light'
export type Row = Record<string, any>

export interface CardDoc {
  id: string
  type: string // "chart.bar@1"
  title?: string
  x: number
  y: number
  w: number
  h: number
  z?: number
  props?: Record<string, any>
  binding?: Record<string, any> | null
  refresh_s?: number
  hidden?: boolean
  locked?: boolean
  group?: string
}

export interface ParamDoc {
  name: string
  title?: string
  type: 'date' | 'area' | 'text'
  default?: string | number | boolean | null
}

export interface PageDoc {
  layout: 'grid' | 'free'
  size?: { width: number; height: number }
  theme?: Theme
  background?: { color?: string; image?: string }
  params?: ParamDoc[]
  cards: CardDoc[]
}

export interface SlotData {
  rows: Row[]
  dimension: string | null
  measures: string[]
  labels: Record<string, string>
}

/** One card's answer from the data endpoint; `undefined` in the UI while it loads. */
export interface CardData extends Partial<SlotData> {
  ok: boolean
  ms?: number
  unit?: string
  spec?: Record<string, unknown> | null
  slots?: Record<string, SlotData>
  error?: string
}

export interface RunApp {
  id: number
  code: string
  name: string
  kind: 'card' | 'page' | 'screen' | 'mobile'
}

export interface RunInfo {
  app: RunApp
  release: { number: number; published_at: string }
  pages: { code: string; name: string }[]
  page?: { code: string; name: string; document: PageDoc }
}

export interface DataRequest {
  params: Record<string, unknown>
  filters: Record<string, unknown>
  origin: string | null
  cards?: string[]
  document?: PageDoc // drafts only: the designer's unsaved document
}

export interface DataAnswer {
  computed_at: string
  cards: Record<string, CardData>
}

export interface Pick {
  dimension: string
  value: unknown
}

// --- fetching -------------------------------------------------------------------------------------

const seg = encodeURIComponent

// `base` is where the run endpoints live: the API root (/api/v1) for published apps, or a template's
// try-it preview (/api/v1/templates/<code>/try), which answers the same shapes.
export const RUN_BASE = tg.apiBase

export function fetchRun(appCode: string, pageCode?: string, base = RUN_BASE): Promise<RunInfo> {
  const root = `${base.replace(/\/$/, '')}/run/${seg(appCode)}`
  return api.get<RunInfo>(pageCode ? `${root}/${seg(pageCode)}` : root)
}

export function fetchRunData(appCode: string, pageCode: string, body: DataRequest, base = RUN_BASE): Promise<DataAnswer> {
  return api.post<DataAnswer>(`${base.replace(/\/$/, '')}/run/${seg(appCode)}/${seg(pageCode)}/data`, body)
}

/** The designer's live preview: the same answer for a draft page (optionally an unsaved document). */
export function fetchDraftData(appId: number, pageId: number, body: DataRequest): Promise<DataAnswer> {
  return api.post<DataAnswer>(`/apps/${appId}/pages/${pageId}/data`, body)
}

// --- cards ----------------------------------------------------------------------------------------

/** "chart.bar@1" -> "chart.bar". */
export function typeCode(ref: string): string {
  return (ref || '').split('@')[0]
}

/** Types drawn from their props alone: they never wait for data. */
export const STATIC_TYPES = new Set([
  'text.title', 'text.banner', 'text.markdown', 'text.clock', 'media.image', 'video.player', 'embed.page',
])

export function isBound(card: CardDoc): boolean {
  const b = card.binding
  return !!b && typeof b === 'object' && Object.keys(b).length > 0 && !STATIC_TYPES.has(typeCode(card.type))
}

/** Seconds between a card's own refreshes (card, then binding, then list props); 0: never. */
export function refreshSeconds(card: CardDoc): number {
  const b = card.binding || {}
  const slotValues = b.slots && typeof b.slots === 'object' ? Object.values(b.slots as Record<string, any>) : []
  const fromSlots = slotValues.map((s) => Number(s?.refresh_s) || 0).filter((s) => s > 0)
  const s = card.refresh_s || b.refresh_s || (fromSlots.length ? Math.min(...fromSlots) : 0) || card.props?.refresh_s || 0
  return s > 0 ? Math.max(10, s) : 0
}

export function cardTitle(card: CardDoc): string {
  return card.title || (typeof card.props?.title === 'string' ? card.props.title : '') || ''
}

// --- linkage --------------------------------------------------------------------------------------

/** Dimension names in the chip ("区域：江东区"): the platform's own first, then the data's labels. */
const DIMENSIONS: Record<string, string> = {
  district: '区域', area: '区域', street: '街道', grid: '网格', department: '部门', status: '状态',
  category: '类别', level: '级别', source: '来源', channel: '渠道', date: '日期', day: '日期', month: '月份',
}

export function dimensionLabel(dimension: string, labels?: Record<string, string>): string {
  return DIMENSIONS[dimension] ? t(DIMENSIONS[dimension]) : labels?.[dimension] || dimension
}

/** The filters after a pick: picking the value already set clears it (a second click undoes). */
export function applyPick(filters: Record<string, unknown>, pick: Pick): Record<string, unknown> {
  const next = { ...filters }
  if (next[pick.dimension] === pick.value) delete next[pick.dimension]
  else next[pick.dimension] = pick.value
  return next
}

// --- layout ---------------------------------------------------------------------------------------

export const GRID_COLUMNS = 24
export const GRID_ROW_PX = 40
export const DEFAULT_SIZE = { width: 1920, height: 1080 }

export function canvasSize(doc: PageDoc): { width: number; height: number } {
  return doc.size && doc.size.width > 0 && doc.size.height > 0 ? doc.size : DEFAULT_SIZE
}

/** Position in a 24-column CSS grid whose rows are GRID_ROW_PX high (x/y/w/h in grid units). */
export function gridStyle(card: CardDoc): Record<string, string> {
  const x = Math.min(Math.max(0, card.x), GRID_COLUMNS - 1)
  const w = Math.min(Math.max(1, card.w), GRID_COLUMNS - x)
  return { gridColumn: `${x + 1} / span ${w}`, gridRow: `${card.y + 1} / span ${Math.max(1, card.h)}` }
}

/** Position on a free canvas (pixels). */
export function freeStyle(card: CardDoc): Record<string, string> {
  return {
    left: `${card.x}px`, top: `${card.y}px`, width: `${card.w}px`, height: `${card.h}px`,
    zIndex: String(card.z ?? 0),
  }
}

/**
 * The transform that fits a canvas into a box: `contain` letterboxes (big screens), `width` fits
 * the width only and lets the page scroll (office pages).
 */
export function fitCanvas(box: { width: number; height: number }, canvas: { width: number; height: number },
                          mode: 'contain' | 'width' = 'contain'): { scale: number; x: number; y: number } {
  if (box.width <= 0 || canvas.width <= 0) return { scale: 1, x: 0, y: 0 }
  const scale = mode === 'contain' ? Math.min(box.width / canvas.width, box.height / canvas.height) : box.width / canvas.width
  return {
    scale,
    x: Math.max(0, (box.width - canvas.width * scale) / 2),
    y: mode === 'contain' ? Math.max(0, (box.height - canvas.height * scale) / 2) : 0,
  }
}

/** Cards in reading order for one column (phones): top to bottom, then left to right. */
export function readingOrder(cards: CardDoc[]): CardDoc[] {
  return [...cards].sort((a, b) => a.y - b.y || a.x - b.x)
}

/** A card's height in one column: grid rows as they are; free cards keep their aspect ratio. */
export function stackedHeight(card: CardDoc, layout: PageDoc['layout'], width: number): number {
  const h = layout === 'grid' ? card.h * GRID_ROW_PX : (card.h * width) / Math.max(1, card.w)
  return Math.round(Math.min(480, Math.max(layout === 'grid' ? 80 : 120, h)))
}

// --- the offline base map (/static/geo, the same file EventMap draws) -----------------------------

export interface GeoFeature {
  properties: { code: string; name: string; level: string; district?: string }
  geometry: { type: string; coordinates: number[][][] | number[][][][] }
}

const BASE_MAP = '/static/geo/linjiang.geojson'
let baseMap: Promise<GeoFeature[]> | null = null

export function loadBaseMap(): Promise<GeoFeature[]> {
  baseMap ??= fetch(BASE_MAP, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`)
    return r.json().then((d) => d.features as GeoFeature[])
  })
  baseMap.catch(() => (baseMap = null)) // a later caller tries again
  return baseMap
}

/** The districts for an area parameter's select. */
export async function loadDistricts(): Promise<{ code: string; name: string }[]> {
  const features = await loadBaseMap()
  return features.filter((f) => f.properties.level === 'district')
    .map((f) => ({ code: f.properties.code, name: f.properties.name }))
}

// --- formatting -----------------------------------------------------------------------------------

export function formatNumber(value: unknown, precision?: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === null || value === undefined ? '—' : String(value)
  const digits = precision ?? (Number.isInteger(value) ? 0 : 2)
  return value.toLocaleString(undefined, { minimumFractionDigits: precision ?? 0, maximumFractionDigits: digits })
}

/** Same-origin paths and https addresses only (as the props schemas allow). */
export function safeSrc(src: unknown, sameOriginOnly = false): string {
  if (typeof src !== 'string') return ''
  if (/^\/(?![/\\])[^\s\\]*$/.test(src)) return src
  return !sameOriginOnly && /^https:\/\/[^\s\\]+$/.test(src) ? src : ''
}

// --- Markdown: everything escaped first, then a handful of constructs turned into tags --------------

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function inline(text: string): string {
  // Code spans first, kept apart so that * and [ inside them stay literal.
  return text.split(/(`[^`]*`)/).map((part) => {
    if (/^`[^`]*`$/.test(part)) return `<code>${escapeHtml(part.slice(1, -1))}</code>`
    let h = escapeHtml(part)
    h = h.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) => {
      const url = href.replace(/&amp;/g, '&')
      return /^(\/(?![/\\])|https?:\/\/)/.test(url)
        ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`
        : label
    })
    h = h.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    h = h.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    return h
  }).join('')
}

/** A small, safe subset of Markdown (headings, lists, quotes, rules, emphasis, code, links) as HTML. */
export function renderMarkdown(source: string): string {
  const out: string[] = []
  let para: string[] = []
  let list: { tag: 'ul' | 'ol'; items: string[] } | null = null
  const flush = () => {
    if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`)
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${list.tag}>`)
    para = []
    list = null
  }
  for (const line of (source || '').split(/\r?\n/)) {
    let m: RegExpMatchArray | null
    if (!line.trim()) flush()
    else if ((m = line.match(/^(#{1,4})\s+(.*)$/))) {
      flush()
      out.push(`<h${m[1].length + 2}>${inline(m[2])}</h${m[1].length + 2}>`) // h3..h6: inside a card
    } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush()
      out.push('<hr>')
    } else if ((m = line.match(/^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$/))) {
      const tag = m[1] ? 'ol' : 'ul'
      if (para.length || (list && list.tag !== tag)) flush()
      list ??= { tag, items: [] }
      list.items.push(m[2])
    } else if ((m = line.match(/^>\s?(.*)$/))) {
      flush()
      out.push(`<blockquote>${inline(m[1])}</blockquote>`)
    } else {
      if (list) flush()
      para.push(line.trim())
    }
  }
  flush()
  return out.join('')
}
