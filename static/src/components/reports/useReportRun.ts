// Generating a report: POST /api/v1/reports answers 202 with a pending run, which a worker then
// renders; this polls the run until it has succeeded or failed. Shared by the reports page, the
// viewer, the schedules page and the designer, so keep its interface stable.
import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'
import { api, errorMessage, t } from '../../app'

export type ReportRunState = 'pending' | 'running' | 'succeeded' | 'failed'

export interface ReportRun {
  id: number
  template_id: number | null
  template_code: string
  template_revision: number
  type: 'daily' | 'weekly' | 'monthly' | 'special' | string
  title: string
  report_date: string
  period_start: string
  period_end: string
  area: string
  digest: string
  state: ReportRunState
  message: string
  attempts: number
  pages: number
  pdf_file_id: number | null
  progress?: number
  stage?: string
  trigger?: 'manual' | 'schedule' | string
  delivery?: unknown
  created_by: number | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface ReportParams {
  date: string
  period_start?: string
  period_end?: string
  area?: string
}

export const POLL_MS = 500
export const isFinished = (run: { state?: string } | null | undefined) =>
  run?.state === 'succeeded' || run?.state === 'failed'

/** The run of one report generation (or of one already started: `follow(id)`), polled until done. */
export function useReportRun() {
  const run = ref<ReportRun | null>(null)
  const error = ref('')
  const busy = ref(false)
  const progress = computed(() => (run.value?.state === 'succeeded' ? 100 : run.value?.progress ?? 0))
  const stage = computed(() => run.value?.stage ?? '')
  let seq = 0 // a newer start() or stop() makes an older poll give up
  let timer: ReturnType<typeof setTimeout> | undefined
  let wake: (() => void) | undefined // stop() ends a pending sleep, so start()'s promise resolves (null)

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    wake = resolve
    timer = setTimeout(resolve, ms)
  })

  async function poll(mine: number): Promise<ReportRun | null> {
    let failures = 0
    while (mine === seq && run.value && !isFinished(run.value)) {
      await sleep(POLL_MS)
      if (mine !== seq) return null
      try {
        run.value = await api.get<ReportRun>(`reports/${run.value.id}`)
        failures = 0
      } catch (e) {
        // a dropped request is tried again a few times before the page says so
        if (++failures >= 5) throw e
      }
    }
    return mine === seq ? run.value : null
  }

  async function settle(mine: number, first: () => Promise<ReportRun>): Promise<ReportRun | null> {
    busy.value = true
    error.value = ''
    try {
      run.value = await first()
      const done = await poll(mine)
      if (done?.state === 'failed') error.value = done.message || t('报告生成失败')
      return done
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e)
      return null
    } finally {
      if (mine === seq) busy.value = false
    }
  }

  /** Generate the report of template `code`; resolves with the finished run, or null when the request failed. */
  function start(code: string, params: ReportParams): Promise<ReportRun | null> {
    const mine = ++seq
    run.value = null
    const body: Record<string, string> = { code, date: params.date }
    for (const key of ['period_start', 'period_end', 'area'] as const) if (params[key]) body[key] = params[key]!
    return settle(mine, () => api.post<ReportRun>('reports', body))
  }

  /** Follow a run that is already there (a schedule's run-now, a page opened while one renders). */
  function follow(id: number): Promise<ReportRun | null> {
    const mine = ++seq
    return settle(mine, () => api.get<ReportRun>(`reports/${id}`))
  }

  function stop() {
    seq++
    clearTimeout(timer)
    wake?.()
    busy.value = false
  }

  if (getCurrentScope()) onScopeDispose(stop)

  return { run, progress, stage, busy, error, start, follow, stop }
}

// --- labels the reports pages share -----------------------------------------------------------------

export const REPORT_TYPES = ['daily', 'weekly', 'monthly', 'special'] as const
export const RUN_STATES = ['pending', 'running', 'succeeded', 'failed'] as const

export const typeLabel = (type: string) =>
  ({ daily: t('日报'), weekly: t('周报'), monthly: t('月报'), special: t('专报') } as Record<string, string>)[type] ?? type

export const stateLabel = (state: string) =>
  ({ pending: t('排队中'), running: t('生成中'), succeeded: t('已生成'), failed: t('失败') } as Record<string, string>)[state] ??
  state

export const stateTagType = (state: string) =>
  (({ pending: 'info', running: 'primary', succeeded: 'success', failed: 'danger' }) as Record<string, string>)[state] ?? 'info'

export const pdfUrl = (id: number) => `/api/v1/reports/${id}/pdf`
export const htmlUrl = (id: number) => `/api/v1/reports/${id}/html`
export const runHref = (id: number) => `/reports/runs/${id}`

/** "2026-03-01" or "2026-03-01 至 2026-03-07": a report's period, one day shown once. */
export function periodText(run: Pick<ReportRun, 'period_start' | 'period_end'>): string {
  if (!run.period_start) return ''
  if (!run.period_end || run.period_end === run.period_start) return run.period_start
  return t('{start} 至 {end}', { start: run.period_start, end: run.period_end })
}
