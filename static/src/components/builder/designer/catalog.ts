// The component types a page can place (GET /components, /component-categories), shaped for the
// palette and the property panel. A page refers to a type as code@major (chart.bar@1).
import { api, isZh, type Page } from '../../../app'

export interface JsonSchema {
  type?: string | string[]
  title?: string
  enum?: unknown[]
  default?: unknown
  pattern?: string
  minimum?: number
  maximum?: number
  maxLength?: number
  items?: JsonSchema
  prefixItems?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  [key: string]: unknown
}

/** A data slot a card of the type binds (components/types.py Slot). */
export interface Slot {
  name: string
  title: string
  title_en: string
  accepts: string
  required: boolean
  max_measures: number | null
}

export interface PaletteType {
  ref: string // code@major
  code: string
  name: string
  category: string
  description: string
  schema: JsonSchema
  /** Static content (titles, text, images, embedded pages): nothing to bind. */
  dataless: boolean
  /** Its data slots; a type with several is bound as {slots: {name: binding}}. */
  slots: Slot[]
}

export interface Category {
  code: string
  name: string
}

interface ComponentRow {
  code: string
  name: string
  name_en: string
  category: string
  description: string
  latest_placeable_version: string | null
  versions: { version: string; props_schema: JsonSchema; slots?: Slot[] }[]
}

// A type without slots is static content when its category says so (the built-ins' convention; a
// third-party type may not declare its slots, and the save's check says if a binding is not accepted).
const DATALESS = new Set(['text', 'media', 'layout'])

export async function loadCatalog(): Promise<{ types: PaletteType[]; categories: Category[] }> {
  const [page, cats] = await Promise.all([
    api.get<Page<ComponentRow>>('components', { per_page: 200 }),
    api.get<{ code: string; name: string; name_en: string }[]>('component-categories'),
  ])
  const types: PaletteType[] = []
  for (const c of page.items) {
    const version = c.latest_placeable_version
    if (!version) continue
    const found = c.versions.find((v) => v.version === version)
    types.push({
      ref: `${c.code}@${version.split('.')[0]}`,
      code: c.code,
      name: isZh ? c.name : c.name_en || c.name,
      category: c.category,
      description: c.description,
      schema: found?.props_schema ?? {},
      dataless: found?.slots?.length ? false : DATALESS.has(c.category),
      slots: found?.slots ?? [],
    })
  }
  return { types, categories: cats.map((c) => ({ code: c.code, name: isZh ? c.name : c.name_en || c.name })) }
}

/** A type's short glyph for the palette and a card's frame. */
export function glyph(category: string): string {
  const g: Record<string, string> = { chart: '▥', metric: '#', table: '☷', map: '⌖', list: '≡', text: 'T', media: '▶', event: '!', form: '✎', layout: '▣', service: '⚙' }
  return g[category] ?? '◻'
}

// --- composite components (组合组件): saved groups of cards, GET /composites ----------------------

export interface Composite {
  id: number
  code: string
  name: string
  description: string
  layout: 'free' | 'grid'
  cards: import('./document').Card[]
}

export async function loadComposites(): Promise<Composite[]> {
  try {
    return (await api.get<Page<Composite>>('composites', { per_page: 200 })).items
  } catch {
    return [] // the library is optional: the palette still offers the types
  }
}
