// 场景模板: the shapes of the gallery API (templates_lib/api.py) and its fetch helpers, the labels
// the gallery, try, use and save pages share, and the links to the objects a clone made.
import { ApiError, api, hasPermission, isZh, t, tg, type Page } from '../../app'

// --- shapes ---------------------------------------------------------------------------------------

export type TemplateKind = 'scenario' | 'flow' | 'form' | 'page'

export interface Contents {
  pages?: number
  cards?: number // saved page and form templates
  nodes?: number // saved flow templates
  sources?: number
  indicators?: number
  alert_rules?: number
  flows?: number
  reports?: number
  matters?: number
}

export interface Entry {
  code: string
  kind: TemplateKind
  builtin: boolean
  id?: number // saved templates: who saved them (display name and id) and when
  saved_by?: string
  saved_by_id?: number | null
  saved_at?: string
  name: string
  name_en?: string
  summary: string
  description?: string
  categories: string[]
  domains: string[]
  version?: string
  cover?: string | null
  contents: Contents
}

export interface Column {
  name: string
  type: string
  title?: string
}

export interface Drill {
  code: string
  name: string
  description?: string
}

export interface Detail extends Entry {
  /** `builtin` sources are the platform's own (its alerts, say): a clone reads them, nothing to bind. */
  sources: { code: string; name: string; builtin?: boolean | string; columns: Column[] }[]
  pages: { code: string; name: string; kind?: string }[]
  indicators: { code: string; name: string; unit?: string }[]
  alert_rules: { code: string; name: string; indicator?: string; levels: { level: string; condition: string }[] }[]
  flows: { code: string; name: string }[]
  reports: { code: string; name: string; type?: string }[]
  matters: { name: string; department?: string }[]
  drills: Drill[]
  sizes: number[]
  default_size: number
  document?: Record<string, unknown> // saved templates: the page or flow document
}

export interface Gallery {
  items: Entry[]
  categories: string[]
  domains: string[]
}

export interface TryAnswer {
  app_code: string
  page_code: string
  pages: { code: string; name: string }[]
  api_base: string
}

export interface Ref {
  id: number
  code: string
  name: string
}

/** The app a clone made or added to; `released`: it has a release (the viewer needs one, and state published). */
export interface UseApp extends Ref {
  state?: string
  released?: boolean
}

export interface Use {
  id: number
  template: string
  template_name: string
  kind: TemplateKind
  code: string
  name: string
  created_at: string
  created_by: number | null // a user id
  app: UseApp | null
  seed?: number | null
  size?: number | null
  objects: Partial<Record<ObjectGroup, Ref[]>>
  drills: Drill[]
  /** A scenario clones in the background: `objects` and `app` stay empty until it has succeeded. */
  state?: UseState
  stage?: string // zh-CN, from the server
  progress?: number // 0-100
  message?: string // zh-CN: why it failed
}

export type UseState = 'pending' | 'running' | 'succeeded' | 'failed'

export interface DrillAnswer {
  rows: number
  alerts: { rule: string; group?: string | null; level: string; kind?: string; message: string }[]
  events: { id: number; number?: string; title: string; department: string; status: string }[]
}

export type SourceBinding = { mode: 'sample' } | { mode: 'own'; source_id: number }

// --- fetching -------------------------------------------------------------------------------------

const seg = encodeURIComponent

export const fetchGallery = (query: { q?: string; category?: string; domain?: string; kind?: string }) =>
  api.get<Gallery>('templates', query)
export const fetchDetail = (code: string) => api.get<Detail>(`templates/${seg(code)}`)
export const tryTemplate = (code: string) => api.post<TryAnswer>(`templates/${seg(code)}/try`)
export const useTemplate = (code: string, body: Record<string, unknown>) => api.post<Use>(`templates/${seg(code)}/use`, body)
export const fetchUses = (page = 1, perPage = 50) => api.get<Page<Use>>('template-uses', { page, per_page: perPage })
export const fetchUse = (id: number) => api.get<Use>(`template-uses/${id}`)
/** Only a failed clone's record may go (its code is free again); the server answers 409 otherwise. */
export const deleteUse = (id: number) => api.delete(`template-uses/${id}`)
export const runDrill = (id: number, drill: string) => api.post<DrillAnswer>(`template-uses/${id}/drills/${seg(drill)}`)
export const saveTemplate = (body: Record<string, unknown>) => api.post<Entry>('templates/saved', body)
export const deleteSaved = (code: string) => api.delete(`templates/saved/${seg(code)}`)

// --- labels ---------------------------------------------------------------------------------------

export const KINDS: TemplateKind[] = ['scenario', 'flow', 'form', 'page']
export const CATEGORIES = [
  '应用模板', '流程模板', '表单模板', 'AI场景模板', '动态监测模板', '科学决策模板', '精准治理模板', '多跨协同模板', '调度指挥模板',
]
export const DOMAINS = ['城市管理', '城市安全', '社会治理', '生态环境']
/** The codes a clone, a page or a flow may take (checked again by the server). */
export const CODE = /^[a-z][a-z0-9_]{1,30}$/

export const kindLabel = (k: string) =>
  ({ scenario: t('场景'), flow: t('流程'), form: t('表单'), page: t('页面') })[k] ?? k

/** Category and domain names are Chinese data; the English UI shows them through the catalog. */
const VOCABULARY: Record<string, string> = {
  应用模板: t('应用模板'), 流程模板: t('流程模板'), 表单模板: t('表单模板'), AI场景模板: t('AI场景模板'),
  动态监测模板: t('动态监测模板'), 科学决策模板: t('科学决策模板'), 精准治理模板: t('精准治理模板'),
  多跨协同模板: t('多跨协同模板'), 调度指挥模板: t('调度指挥模板'),
  城市管理: t('城市管理'), 城市安全: t('城市安全'), 社会治理: t('社会治理'), 生态环境: t('生态环境'),
}
export const tagLabel = (s: string) => VOCABULARY[s] ?? s

export const entryName = (e: Pick<Entry, 'name' | 'name_en'>) => (isZh ? e.name : e.name_en || e.name)

/** ["2 页面", "8 指标", "2 预警规则", ...]: what a template brings, nothing for zeros. */
export function contentsParts(c: Contents): string[] {
  const parts: [number | undefined, string][] = [
    [c.pages, t('{n} 页面', { n: c.pages ?? 0 })],
    [c.cards, t('{n} 卡片', { n: c.cards ?? 0 })],
    [c.nodes, t('{n} 节点', { n: c.nodes ?? 0 })],
    [c.sources, t('{n} 数据源', { n: c.sources ?? 0 })],
    [c.indicators, t('{n} 指标', { n: c.indicators ?? 0 })],
    [c.alert_rules, t('{n} 预警规则', { n: c.alert_rules ?? 0 })],
    [c.flows, t('{n} 流程', { n: c.flows ?? 0 })],
    [c.reports, t('{n} 报告', { n: c.reports ?? 0 })],
    [c.matters, t('{n} 事项', { n: c.matters ?? 0 })],
  ]
  return parts.filter(([n]) => n).map(([, s]) => s)
}

/** "2 页面 · 8 指标 · 2 预警规则 · 1 流程 · 1 报告". */
export const contentsLine = (c: Contents) => contentsParts(c).join(' · ')

/** A clone's maker: the answer has a user id only; clones are mostly the reader's own. */
export function makerName(id: number | null | undefined): string {
  if (id === null || id === undefined) return ''
  return id === tg.user?.id ? tg.user.username : t('用户 #{n}', { n: id })
}

/** Scenarios preview on their sample data, saved pages and forms on the workspace's data; flows have no page. */
export const canTry = (e: Pick<Entry, 'kind'>) => e.kind !== 'flow'
/** Using needs template.use, and the right to make what the template makes. */
export const canUse = (e: Pick<Entry, 'kind'>) =>
  hasPermission('template.use') && (e.kind === 'scenario' || hasPermission(e.kind === 'flow' ? 'flow.manage' : 'app.manage'))
/** The saver or a gallery manager may delete a saved template (the server decides in the end). */
export function canDelete(e: Entry): boolean {
  if (e.builtin || !hasPermission('app.manage')) return false
  return hasPermission('template.manage') || (!!tg.user && e.saved_by_id === tg.user.id)
}

// --- what a clone made, and where each thing is managed ------------------------------------------

export type ObjectGroup = 'sources' | 'services' | 'indicators' | 'alert_rules' | 'flows' | 'reports' | 'pages'
export const GROUPS: ObjectGroup[] = ['sources', 'services', 'indicators', 'alert_rules', 'flows', 'reports', 'pages']

export const groupLabel = (g: ObjectGroup) =>
  ({
    sources: t('数据源'), services: t('数据服务'), indicators: t('指标'), alert_rules: t('预警规则'),
    flows: t('流程'), reports: t('报告模板'), pages: t('页面'),
  })[g]

/** The admin page of one object a clone made (the data pages list every object on one page). */
export function objectHref(group: ObjectGroup, obj: Ref, app: UseApp | null): string {
  switch (group) {
    case 'sources': return '/data/'
    case 'services': return `/data/services/${obj.id}`
    case 'indicators': return '/data/indicators'
    case 'alert_rules': return '/data/alerts'
    case 'flows': return `/flows/${obj.id}`
    case 'reports': return `/reports/templates/${obj.id}`
    case 'pages': return app ? `/builder/apps/${app.id}#page=${obj.id}` : '/builder'
  }
}

// --- a clone in the background ------------------------------------------------------------------

/** Records from before background clones have no state: they were made at once. */
export const cloneState = (u: Pick<Use, 'state'>): UseState => u.state ?? 'succeeded'
export const inProgress = (u: Pick<Use, 'state'>) => ['pending', 'running'].includes(cloneState(u))
export const cloneProgress = (u: Pick<Use, 'state' | 'progress'>) =>
  cloneState(u) === 'succeeded' ? 100 : Math.max(0, Math.min(100, Math.round(u.progress ?? 0)))

/** The stages the server reports are Chinese data; the English UI shows them through the catalog. */
const STAGES: Record<string, string> = {
  排队中: t('排队中'), 生成示例数据: t('生成示例数据'), 载入示例数据: t('载入示例数据'),
  建立数据服务与指标: t('建立数据服务与指标'), '建立预警规则、流程与报告': t('建立预警规则、流程与报告'),
  建立应用页面: t('建立应用页面'), 已完成: t('已完成'), 失败: t('失败'),
}
export function stageLabel(u: Pick<Use, 'state' | 'stage'>): string {
  if (u.stage) return STAGES[u.stage] ?? u.stage
  return ({ pending: t('排队中'), running: t('创建中'), succeeded: t('已完成'), failed: t('失败') })[cloneState(u)]
}

/** Where "use" leads: a scenario's summary page, a page in its app's designer, a flow in its designer. */
export function afterUseHref(use: Use): string {
  if (use.kind === 'flow' && use.objects.flows?.length) return `/flows/${use.objects.flows[0].id}`
  if ((use.kind === 'page' || use.kind === 'form') && use.app) {
    const page = use.objects.pages?.[0]
    return `/builder/apps/${use.app.id}${page ? `#page=${page.id}` : ''}`
  }
  return `/templates/uses/${use.id}`
}

/**
 * Field errors with their whole path ("sources.rain.source_id"), so that a message lands under the
 * source it is about; ApiError.fieldErrors keeps only the last key. The request location ("json") goes.
 */
export function fieldErrorPaths(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!(e instanceof ApiError)) return out
  const walk = (node: unknown, path: string[]) => {
    if (Array.isArray(node)) {
      const msgs = node.filter((m) => typeof m === 'string')
      if (msgs.length) out[path.join('.')] = msgs.join('; ')
      node.forEach((m) => typeof m === 'object' && m && walk(m, path))
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, path.length === 0 && ['json', 'query', 'form'].includes(k) ? [] : [...path, k])
    } else if (typeof node === 'string') {
      out[path.join('.')] = node
    }
  }
  walk(e.problem.errors, [])
  return out
}
