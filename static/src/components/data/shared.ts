// Shared pieces of the data-source and data-service pages: labels, error paths, ETag writes, files.
import { ApiError, api, t, tg } from '../../app'

export interface SourceField {
  name: string
  type: string
}

export interface DataSource {
  id: number
  code: string
  name: string
  description: string
  kind: 'sql' | 'file' | 'http'
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
  ({ sql: t('SQL 数据库'), file: t('上传文件'), http: t('HTTP JSON 接口') })[kind] ?? kind

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
