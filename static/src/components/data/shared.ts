// Shared pieces of the data-source, data-service, indicator and alert pages: labels, error paths,
// ETag writes (with the confirmation a breaking change needs), departments and matters, files.
import { h } from 'vue'
import { ElMessageBox } from 'element-plus'
import { ApiError, api, t, tg, type Page } from '../../app'
import type { AlertRule } from './AlertTags.vue'
import type { Indicator } from './IndicatorStateTag.vue'

export interface SourceField {
  name: string
  type: string
}

export interface DataSource {
  id: number
  code: string
  name: string
  description: string
  kind: 'sql' | 'file' | 'http' | 'builtin'
  config: Record<string, any>
  has_secret: boolean
  fields: SourceField[]
  status: 'ok' | 'error' | 'untested'
  last_checked_at: string | null
  last_error: string
  row_count: number | null
  version: number
}

export interface SourceTable {
  name: string
  columns: { name: string; type: string }[]
}

export interface ServiceParam {
  name: string
  type: string
  default: unknown
  required: boolean
  description?: string
}

export interface DataService {
  id: number
  code: string
  name: string
  description: string
  source_id: number
  source_code: string
  kind: 'sql' | 'table'
  definition: { sql?: string; table?: string; columns?: string[] }
  params: ServiceParam[]
  output: SourceField[]
  state: 'draft' | 'online' | 'offline'
  revision: number
  version: number
  created_at: string
  updated_at: string
}

export interface ServiceResult {
  columns: SourceField[]
  rows: Record<string, unknown>[]
  truncated: boolean
}

export const sourceKindLabel = (kind: string) =>
  ({ sql: t('SQL 数据库'), file: t('上传文件'), http: t('HTTP JSON 接口'), builtin: t('平台内置数据') })[kind] ?? kind

export const serviceKindLabel = (kind: string) => ({ sql: t('参数化查询'), table: t('数据表查询') })[kind] ?? kind

export const typeOptions = () => [
  { value: 'integer', label: t('整数') },
  { value: 'number', label: t('数值') },
  { value: 'string', label: t('文本') },
  { value: 'boolean', label: t('布尔') },
  { value: 'date', label: t('日期') },
  { value: 'datetime', label: t('日期时间') },
]

export const typeLabel = (type: string) => typeOptions().find((o) => o.value === type)?.label ?? type

/** A problem's field errors as {dotted path: "msg；msg"}, request locations ("json", "query") dropped. */
export function errorPaths(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!(e instanceof ApiError)) return out
  const walk = (node: unknown, path: string[]) => {
    if (Array.isArray(node)) {
      const msgs = node.filter((m) => typeof m === 'string')
      if (msgs.length) out[path.join('.')] = msgs.join('；')
      node.forEach((m) => typeof m === 'object' && m && walk(m, path))
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, path.length === 0 && LOCATIONS.has(k) ? [] : [...path, k])
    } else if (typeof node === 'string') {
      out[path.join('.')] = node
    }
  }
  walk(e.problem.errors, [])
  return out
}
const LOCATIONS = new Set(['json', 'query', 'form', 'files', 'headers', 'path'])

/** A write that needs the document's ETag (If-Match). */
export function withEtag<T = any>(method: string, path: string, etag: string, body?: unknown) {
  return api.request<T>(method, path, { body, headers: { 'If-Match': etag } })
}

/** One that uses what a change is made to, and why it would stop working (a 409's `dependants`). */
export interface Dependant {
  kind: string
  code: string
  name: string
  problem: string
}

export const dependantKindLabel = (kind: string) =>
  (
    ({
      indicator: t('指标'),
      alert_rule: t('预警规则'),
      data_service: t('数据服务'),
      card: t('大屏卡片'),
      report: t('报告'),
      flow: t('流程'),
    }) as Record<string, string>
  )[kind] ?? kind

/** The dependants a 409 names as broken by the change (empty for any other error). */
export function brokenDependants(e: unknown): Dependant[] {
  if (!(e instanceof ApiError) || e.status !== 409) return []
  const list = e.problem.dependants
  return Array.isArray(list) ? (list as Dependant[]) : []
}

/** Ask whether to save a change that breaks these dependants anyway; true when confirmed. */
export async function confirmBreaking(dependants: Dependant[]): Promise<boolean> {
  const message = h('div', { class: 'tg-breaking' }, [
    h('p', { style: 'margin:0 0 8px' }, t('这项修改会使以下 {n} 个使用方无法正常工作：', { n: dependants.length })),
    h(
      'ul',
      { class: 'tg-breaking-list', style: 'margin:0 0 8px;padding-left:18px;line-height:1.7' },
      dependants.map((d) =>
        h('li', { 'data-code': d.code }, [
          h('span', { style: 'color:var(--el-text-color-secondary)' }, `[${dependantKindLabel(d.kind)}] `),
          `${d.name}（${d.code}）：${d.problem}`,
        ]),
      ),
    ),
    h('p', { style: 'margin:0' }, t('仍要保存吗？保存后需要逐一修改这些使用方。')),
  ])
  try {
    await ElMessageBox.confirm(message, t('修改会影响使用方'), {
      type: 'warning',
      confirmButtonText: t('仍然保存'),
      cancelButtonText: t('取消'),
      confirmButtonClass: 'el-button--danger',
      customClass: 'tg-breaking-confirm',
      autofocus: false,
    })
    return true
  } catch {
    return false // cancelled
  }
}

/**
 * PATCH with If-Match; when the server answers 409 with the dependants the change would break,
 * list them and, once confirmed, send the same change again with `confirm_breaking: true`.
 * Resolves to null when the operator cancels (nothing is saved); other errors are thrown.
 */
export async function patchConfirmingBreaks<T = any>(path: string, etag: string, body: Record<string, unknown>): Promise<T | null> {
  try {
    return await withEtag<T>('PATCH', path, etag, body)
  } catch (e) {
    const broken = brokenDependants(e)
    if (!broken.length) throw e
    if (!(await confirmBreaking(broken))) return null
    return await withEtag<T>('PATCH', path, etag, { ...body, confirm_breaking: true })
  }
}

/** The fields of `next` whose values differ from `orig` (compared as JSON). */
export function changedFields(next: Record<string, unknown>, orig: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(next)) if (JSON.stringify(v) !== JSON.stringify(orig[k] ?? null)) out[k] = v
  return out
}

/** An indicator and an alert rule as the edit dialogs read them (the fields the list types leave out). */
export type IndicatorRecord = Indicator & { owner_department_id: number | null }
export type AlertRuleRecord = AlertRule & {
  notify_departments: number[]
  report_matter: string
  owner_department_id: number | null
}

export interface Department {
  id: number
  code: string
  name: string
  level: string
  parent_id: number | null
}

let departmentsLoad: Promise<Department[]> | null = null
/** Every department (paged through once per page load). */
export function loadDepartments(): Promise<Department[]> {
  departmentsLoad ??= (async () => {
    const all: Department[] = []
    for (let p = 1; p < 50; p++) {
      const data = await api.get<Page<Department>>('departments', { page: p, per_page: 200 })
      all.push(...data.items)
      if (!data.items.length || all.length >= data.total) break
    }
    return all
  })().catch((e) => {
    departmentsLoad = null
    throw e
  })
  return departmentsLoad
}

/** What an alert rule does when its indicator has no value (runtime/alerts/machine.py). */
export const nodataLabel = (v: string) =>
  (
    ({
      nodata: t('标记为“无数据”'),
      keep: t('保持当前状态'),
      ok: t('视为正常'),
      alerting: t('视为最高级别告警'),
    }) as Record<string, string>
  )[v] ?? v

/** A time window (24h, 7d, ...) as 近 24 小时 / 近 7 天; others as written. */
export const windowLabel = (w: string) =>
  ({ '24h': t('近 24 小时'), '7d': t('近 7 天'), '30d': t('近 30 天'), '90d': t('近 90 天') })[w] ?? w

/** Seconds as 立即 / N 秒 / N 分钟 / N 小时. */
export const durationLabel = (s: number) =>
  s === 0
    ? t('立即')
    : s % 3600 === 0
      ? t('{n} 小时', { n: s / 3600 })
      : s % 60 === 0
        ? t('{n} 分钟', { n: s / 60 })
        : t('{n} 秒', { n: s })

export interface MatterOption {
  id: number
  code: string
  name: string
  tier: string
  path: string[]
}

/** 细类 of the matter catalog whose code or name contains `q` (for an event to report). */
export async function searchMatters(q: string): Promise<MatterOption[]> {
  return (await api.get<Page<MatterOption>>('matters', { q: q.trim() || undefined, tier: 'item', per_page: 30 })).items
}

/** POST a file as multipart field `file`; throws ApiError like api.*. */
export async function uploadFile<T = any>(path: string, file: File): Promise<T> {
  const body = new FormData()
  body.append('file', file)
  let res: Response
  try {
    res = await fetch(`${tg.apiBase}/${path}`, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json, application/problem+json', 'X-CSRFToken': tg.csrfToken },
    })
  } catch {
    throw new ApiError(0, { title: t('网络错误'), detail: t('无法连接服务器，请检查网络后重试。') })
  }
  const data = await res.json().catch(() => ({}))
  if (!res.ok) {
    if (res.status === 413) data.detail ??= t('文件太大')
    throw new ApiError(res.status, { status: res.status, detail: res.statusText, ...data })
  }
  return data as T
}

/** Offer a JSON document as a download. */
export function downloadJson(filename: string, doc: unknown) {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/** A cell's value as text (objects as JSON, null as an empty cell). */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? t('是') : t('否')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
