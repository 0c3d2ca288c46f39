// What the app-management tabs (releases, deploy, API services) and the environments page share:
// their records, server messages shown in the reader's language, problems listed one by one, a
// multipart upload, and copying a secret.
import { ApiError, isZh, t, tg, type Problem } from '../../../app'

export interface ManagedApp {
  id: number
  code: string
  name: string
  kind: string
  state: string
  description: string
  version: number
  updated_at: string
  /** The release /run shows (null or absent: the newest). Only some answers carry it. */
  active_release?: number | null
}

export interface Release {
  number: number
  note: string
  pages: { code: string; name: string; revision?: number }[]
  published_by_name: string
  published_at: string
}

export interface Environment {
  id: number
  code: string
  name: string
  url: string
  has_token: boolean
  note: string
  version: number
  created_at: string
  updated_at: string
}

export interface Deployment {
  id: number
  environment_id: number
  app_id: number
  app_code: string
  release_number: number
  state: 'pending' | 'succeeded' | 'failed'
  message: string
  remote_app_id: number | null
  remote_release: number | null
  rolled_back_from: number | null
  created_by_name: string
  created_at: string
  finished_at: string | null
}

const CJK = /[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/
// "中文 (English)": the last parenthesis (one level of nesting inside it) closing the text
const BILINGUAL = /^([\s\S]*?\S)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$/

/** A server message written "中文 (English)" in the reader's language; other text as it is. */
export function localText(message: string): string {
  const m = BILINGUAL.exec(message || '')
  if (!m || CJK.test(m[2]) || !CJK.test(m[1])) return message
  return isZh ? m[1] : m[2]
}

export interface Reason {
  where: string
  message: string
}

/** A problem's `errors` ({field: [msg]}, nested by location or path) as one reason per message. */
export function reasonsOf(errors: unknown, where = ''): Reason[] {
  const out: Reason[] = []
  if (Array.isArray(errors)) {
    for (const m of errors) {
      if (typeof m === 'string') out.push({ where, message: localText(m) })
      else out.push(...reasonsOf(m, where))
    }
  } else if (errors && typeof errors === 'object') {
    for (const [key, value] of Object.entries(errors)) {
      // webargs nests a request's errors under its location: not a place the reader cares about
      const inner = ['json', 'query', 'form', 'files'].includes(key) && !where ? '' : where ? `${where}.${key}` : key
      out.push(...reasonsOf(value, inner))
    }
  } else if (typeof errors === 'string') {
    out.push({ where, message: localText(errors) })
  }
  return out
}

/** POST a multipart form; the answer's JSON, or ApiError with the problem (413 named). */
export async function postForm<T>(path: string, body: FormData): Promise<T> {
  let res: Response
  try {
    res = await fetch(`${tg.apiBase}/${path}`, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': tg.csrfToken, Accept: 'application/json, application/problem+json' },
    })
  } catch {
    throw new ApiError(0, { title: t('网络错误'), detail: t('无法连接服务器，请检查网络后重试。') })
  }
  let answer: any = {}
  try {
    answer = await res.json()
  } catch {
    /* not JSON (a proxy's error page) */
  }
  if (!res.ok) {
    const problem: Problem = { ...answer, status: res.status }
    if (res.status === 413) problem.detail = t('文件过大，超过上传上限')
    problem.detail ||= problem.title || `HTTP ${res.status}`
    throw new ApiError(res.status, problem)
  }
  return answer as T
}

/** Copy `value`; without the Clipboard API (plain-HTTP intranets) select `fallback` and copy it. */
export async function copyText(value: string, fallback?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(value)
      return true
    }
  } catch {
    /* fall through */
  }
  if (!fallback) return false
  fallback.focus()
  fallback.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  }
}

export const deploymentStateLabel = (s: string) =>
  ({ succeeded: t('成功'), failed: t('失败'), pending: t('进行中') })[s] ?? s
export const deploymentStateType = (s: string) => (s === 'succeeded' ? 'success' : s === 'failed' ? 'danger' : 'info')

// API services of an app (builder/api_services)
export interface ApiItem {
  kind: 'service' | 'indicator'
  code: string
  params: string[]
  by?: string | null
  window?: string | null
}
export interface ApiService {
  id: number
  app_id: number
  code: string
  name: string
  description: string
  items: ApiItem[]
  state: 'draft' | 'online' | 'offline'
  rate_limit: number | null
  version: number
  updated_at: string
}
