// Shared bootstrap for every Vue page: Element Plus, vue-i18n, and a small fetch wrapper.
// Page entries (static/src/pages/<name>.ts) call `mountPage(Component)`.
import { createApp, onBeforeUnmount, onMounted, ref, type Component, type Ref } from 'vue'
import { createI18n } from 'vue-i18n'
import ElementPlus, { ElMessage, ElMessageBox } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import en from 'element-plus/es/locale/lang/en'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import 'element-plus/dist/index.css'
import './styles.css'

export interface TgUser {
  id: number
  username: string
  roles: string[]
  permissions: string[]
}

export interface TgContext {
  locale: string // "zh_CN" | "en"
  csrfToken: string
  user: TgUser | null
  messages: Record<string, string> // Chinese source string -> English translation
  apiBase: string
}

declare global {
  interface Window {
    __TG__?: Partial<TgContext>
  }
}

const raw = window.__TG__ ?? {}
export const tg: TgContext = {
  locale: raw.locale || 'zh_CN',
  csrfToken: raw.csrfToken || document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content || '',
  user: raw.user ?? null,
  messages: raw.messages ?? {},
  apiBase: (raw.apiBase || '/api/v1').replace(/\/$/, ''),
}

export const isZh = tg.locale.toLowerCase().startsWith('zh')

export function hasPermission(perm: string): boolean {
  return !!tg.user?.permissions.includes(perm)
}

// Keys ARE the Chinese source strings (gettext style). zh_CN has no catalog: the key itself
// is used (and interpolated, via fallbackFormat). English comes from the server's gettext catalog.
export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: tg.locale,
  fallbackLocale: false,
  messages: { en: tg.messages, zh_CN: {} } as Record<string, Record<string, string>>,
  messageResolver: (obj: any, path: string) => obj?.[path] ?? null,
  missing: (_locale: string, key: string) => key,
  fallbackFormat: true,
  missingWarn: false,
  fallbackWarn: false,
  warnHtmlMessage: false,
})

/** Translate outside components (`t` from useI18n() inside them). */
export const t = i18n.global.t

dayjs.locale(isZh ? 'zh-cn' : 'en')

export function mountPage(component: Component, selector = '#app', props?: Record<string, unknown>) {
  const app = createApp(component, props)
  app.use(ElementPlus, { locale: isZh ? zhCn : en })
  app.use(i18n)
  app.mount(selector)
  return app
}

// ---------------------------------------------------------------------------------------------
// API helper

/** RFC 7807 problem details as returned by the API (application/problem+json). */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  /** {location: {field: [msgs]}} (webargs/flask-smorest) or {field: [msgs]} */
  errors?: Record<string, unknown>
  [k: string]: unknown
}

export class ApiError extends Error {
  status: number
  problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  /** Field errors flattened to {field: "msg; msg"}, whatever the nesting (location or not). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    const walk = (node: unknown, field: string) => {
      if (Array.isArray(node)) {
        const msgs = node.filter((m) => typeof m === 'string')
        if (msgs.length && field) out[field] = msgs.join('; ')
        node.forEach((m) => typeof m === 'object' && m && walk(m, field))
      } else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) walk(v, k)
      } else if (typeof node === 'string' && field) {
        out[field] = node
      }
    }
    walk(this.problem.errors, '')
    return out
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

function buildUrl(path: string, query?: Query): string {
  // 'audit' and '/audit' -> /api/v1/audit; '/api/v1/...' and absolute URLs are used as-is.
  const url =
    /^https?:\/\//.test(path) || path.startsWith(`${tg.apiBase}/`) ? path : `${tg.apiBase}/${path.replace(/^\//, '')}`
  if (!query) return url
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? `${url}${url.includes('?') ? '&' : '?'}${s}` : url
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

type RequestOptions = { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal }

export async function request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return (await send<T>(method, path, opts)).data
}

/** Like request(), with the answer's ETag (editable documents need it for If-Match). */
async function send<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ data: T; etag: string }> {
  method = method.toUpperCase()
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers }
  if (!SAFE.has(method) && tg.csrfToken) headers['X-CSRFToken'] = tg.csrfToken
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e
    throw new ApiError(0, { title: t('网络错误'), detail: t('无法连接服务器，请检查网络后重试。') })
  }
  const type = res.headers.get('Content-Type') || ''
  const isJson = /[/+]json\b/.test(type)
  if (!res.ok) {
    let problem: Problem = {}
    if (isJson) {
      try {
        problem = await res.json()
      } catch {
        /* ignore malformed body */
      }
    }
    problem.status ??= res.status
    problem.title ??= res.statusText
    if (!problem.detail) {
      problem.detail =
        res.status === 401
          ? t('登录已过期，请重新登录。')
          : res.status === 403
            ? t('没有权限执行此操作。')
            : problem.title || `HTTP ${res.status}`
    }
    throw new ApiError(res.status, problem)
  }
  const etag = res.headers.get('ETag') || ''
  if (res.status === 204 || !isJson) return { data: undefined as T, etag }
  return { data: (await res.json()) as T, etag }
}

export const api = {
  request,
  get: <T = any>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  getWithEtag: <T = any>(path: string) => send<T>('GET', path),
  post: <T = any>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  put: <T = any>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T = any>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  delete: <T = any>(path: string) => request<T>('DELETE', path),
}

/** Paginated list envelope used by the API. */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  per_page: number
}

/** Error message for ElMessage.error(): the problem's detail, else the error message. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.problem.detail || e.message
  if (e instanceof Error) return e.message
  return String(e)
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** ISO timestamp -> local "YYYY-MM-DD HH:mm:ss" (empty string for null). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = dayjs(iso)
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm:ss') : iso
}

/** Date -> ISO 8601 with the local UTC offset, e.g. 2025-01-31T08:00:00+08:00. */
export function toIsoWithOffset(d: Date | string | number | null | undefined): string | undefined {
  if (d === null || d === undefined || d === '') return undefined
  const v = dayjs(d)
  return v.isValid() ? v.format('YYYY-MM-DDTHH:mm:ssZ') : undefined
}

/** A ref that follows a CSS media query while the calling component is mounted. */
export function useMediaQuery(query: string): Ref<boolean> {
  const mq = window.matchMedia(query)
  const matches = ref(mq.matches)
  const update = (e: MediaQueryListEvent) => (matches.value = e.matches)
  onMounted(() => mq.addEventListener('change', update))
  onBeforeUnmount(() => mq.removeEventListener('change', update))
  return matches
}

/** Ask before a destructive action (danger-styled confirm button); true when confirmed. */
export async function confirmDanger(message: string, title: string, confirmText: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirmText,
      cancelButtonText: t('取消'),
      confirmButtonClass: 'el-button--danger',
      autofocus: false,
    })
    return true
  } catch {
    return false // cancelled
  }
}

/**
 * One page of a paginated API list, reloaded when its filters change: typing waits a moment
 * (reloadSoon), a select reloads at once (reload). Answers of superseded requests are dropped.
 */
export function usePagedList<T>(path: string, filters: () => Query,
                                options: { perPage?: number; onLoaded?: (items: T[]) => void } = {}) {
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const perPage = options.perPage ?? 20
  const loading = ref(false)
  let seq = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  async function load() {
    const mine = ++seq
    loading.value = true
    try {
      const data = await api.get<Page<T>>(path, { ...filters(), page: page.value, per_page: perPage })
      if (mine === seq) {
        items.value = data.items
        total.value = data.total
        options.onLoaded?.(data.items)
      }
    } catch (e) {
      if (mine === seq) ElMessage.error(errorMessage(e))
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function reload() {
    clearTimeout(timer)
    page.value = 1
    load()
  }

  function reloadSoon() {
    clearTimeout(timer)
    timer = setTimeout(reload, 250)
  }

  return { items, total, page, perPage, loading, load, reload, reloadSoon }
}
