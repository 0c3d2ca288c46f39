// Shared pieces of the event pages: names of statuses, channels and actions, which action the
// lifecycle allows in which status (mirrors runtime/events/lifecycle.py), who may make it, the
// deadline in words, departments, and acting on one event with its ETag.
import { ApiError, api, errorMessage, hasPermission, t, type Page } from '../../app'

export interface EventItem {
  id: number
  number: string
  title: string
  description: string
  channel: string
  priority: string
  status: string
  matter_code: string
  area_department_id: number | null
  address: string
  longitude: number | null
  latitude: number | null
  reporter_name: string
  reporter_phone: string
  department_id: number | null
  assignee_id: number | null
  dispatch_mode: string
  time_limit: number | null
  time_unit: string
  deadline_at: string | null
  reported_at: string
  accepted_at: string | null
  dispatched_at: string | null
  handled_at: string | null
  closed_at: string | null
  returns: number
  refusals: number
  refusals_upheld: number
  reopens: number
  supervised: boolean
  details: Record<string, unknown>
  flow_version_id: number | null // null: the default lifecycle
  node_names: string // flow events: the node(s) it is at now
  version: number
}

/** One step of a flow event (GET /events/<id>/steps); open while left_at is null. */
export interface EventStep {
  id: number
  node_id: string
  node_name: string
  kind: 'task' | 'timer' | 'join'
  department_id: number | null
  role: string
  assignee_id: number | null
  entered_at: string
  due_at: string | null
  left_at: string | null
  outcome: string
  moves: string[]
  jump_to: { node: string; name: string }[]
  mine: boolean
}

export interface EventCounts {
  by_status: Record<string, number>
  overdue: number
  queue: number
}

export interface Dept {
  id: number
  name: string
  parent_id: number | null
  level?: string
}

export interface DeptNode {
  id: number
  name: string
  children: DeptNode[]
}

export const STATUSES = ['reported', 'accepted', 'dispatched', 'handling', 'reviewing', 'closed', 'suspended', 'cancelled']
export const OPEN = ['reported', 'accepted', 'dispatched', 'handling', 'reviewing', 'suspended']
export const CHANNELS = ['hotline', 'grid', 'iot', 'video', 'app', 'alert', 'api']

export function statusLabel(s: string): string {
  const names: Record<string, string> = {
    reported: t('已上报'),
    accepted: t('已受理'),
    dispatched: t('已分拨'),
    handling: t('处置中'),
    reviewing: t('待审核'),
    closed: t('已办结'),
    suspended: t('已挂起'),
    cancelled: t('已作废'),
  }
  return names[s] ?? s
}

export function statusType(s: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  const types: Record<string, 'primary' | 'success' | 'warning' | 'danger' | 'info'> = {
    reported: 'info',
    accepted: 'warning',
    dispatched: 'primary',
    handling: 'primary',
    reviewing: 'warning',
    closed: 'success',
    suspended: 'info',
    cancelled: 'danger',
  }
  return types[s] ?? 'info'
}

export function channelLabel(c: string): string {
  const names: Record<string, string> = {
    hotline: t('12345热线'),
    grid: t('网格巡查'),
    iot: t('物联感知'),
    video: t('视频智能识别'),
    app: t('市民App'),
    alert: t('指标预警'),
    api: t('外部接口'),
  }
  return names[c] ?? c
}

export function priorityLabel(p: string): string {
  const names: Record<string, string> = { normal: t('一般'), urgent: t('紧急'), critical: t('特急') }
  return names[p] ?? p
}

export function actionLabel(a: string): string {
  const names: Record<string, string> = {
    report: t('上报'),
    accept: t('受理'),
    dispatch: t('分拨'),
    refuse: t('退单'),
    take: t('签收'),
    transfer: t('转办'),
    submit: t('提交审核'),
    approve: t('审核通过'),
    return: t('退回'),
    reopen: t('重办'),
    suspend: t('挂起'),
    resume: t('恢复'),
    cancel: t('作废'),
    supervise: t('督办'),
    extend: t('延期'),
    cc: t('抄送'),
    comment: t('备注'),
    merge: t('合并'),
    refusal_upheld: t('退单认定有责'),
    refusal_rejected: t('退单不予认可'),
    queue: t('进入人工分拨队列'),
    duplicate_suspected: t('疑似重复'),
    due_soon: t('即将超期'),
    overdue: t('已超期'),
    flow: t('按流程流转'),
    step: t('进入环节'),
    send: t('发送'),
    jump: t('跳转'),
    timer: t('定时'),
    step_overdue: t('环节超时'),
    step_due_soon: t('环节即将到期'),
    migrate: t('流程迁移'),
  }
  return names[a] ?? a
}

/** How a flow step was left (event_step.outcome). */
export function outcomeLabel(o: string): string {
  const names: Record<string, string> = {
    send: t('已发送'),
    return: t('已退回'),
    jump: t('已跳转'),
    timer: t('等待结束'),
    join: t('已汇合'),
    cancel: t('已作废'),
  }
  return names[o] ?? o
}

export function modeLabel(m: string): string {
  const names: Record<string, string> = { auto: t('自动分拨'), manual: t('人工分拨'), transfer: t('转办') }
  return names[m] ?? m
}

// action -> the statuses it applies to (runtime/events/lifecycle.py ACTIONS)
export const ACTIONS: Record<string, string[]> = {
  accept: ['reported'],
  dispatch: ['accepted', 'reported'],
  refuse: ['dispatched'],
  take: ['dispatched'],
  transfer: ['dispatched', 'handling'],
  submit: ['handling'],
  approve: ['reviewing'],
  return: ['accepted', 'dispatched', 'handling', 'reviewing'],
  reopen: ['closed'],
  suspend: OPEN.slice(0, -1),
  resume: ['suspended'],
  cancel: OPEN,
  supervise: OPEN,
  extend: ['dispatched', 'handling'],
  cc: OPEN,
  comment: [...OPEN, 'closed'],
}
/** What a handler at the event's department may do (the rest is the operations center's). */
export const DEPARTMENT_ACTIONS = ['refuse', 'take', 'transfer', 'submit', 'return', 'cc', 'comment']
/** Actions that need a reason (理由). */
export const NEEDS_REASON = ['refuse', 'return', 'cancel', 'reopen', 'supervise', 'extend', 'comment']
/** Actions made at once, without a dialog. */
export const IMMEDIATE = ['accept', 'take', 'resume']
/** A flow event's moves, in the order their buttons show (each only where the node permits it). */
export const FLOW_MOVES = ['send', 'return', 'jump', 'transfer', 'cc']
/** What stays on the event itself when it follows a flow: the ops center's own actions (and 备注);
 * the nodes make the other moves, step by step. */
export const FLOW_EVENT_ACTIONS = ['reopen', 'suspend', 'resume', 'cancel', 'supervise', 'extend', 'comment']

/** A task step with nobody yet: the operations center routes it by hand (分拨). */
export const unrouted = (s: EventStep) =>
  s.kind === 'task' && !s.left_at && s.department_id === null && !s.role && s.assignee_id === null

export const canDispatch = () => hasPermission('event.dispatch')

/** The actions the event's status allows and this user may make, in the lifecycle's order. */
export function availableActions(event: EventItem, myDepartmentId: number | null): string[] {
  const ops = canDispatch()
  const mine = hasPermission('event.handle') && myDepartmentId !== null && event.department_id === myDepartmentId
  return Object.keys(ACTIONS).filter(
    (a) =>
      ACTIONS[a].includes(event.status) &&
      (!event.flow_version_id || FLOW_EVENT_ACTIONS.includes(a)) &&
      (ops ||
        (mine &&
          DEPARTMENT_ACTIONS.includes(a) &&
          // sending back from the queue or from review is the ops center's call
          !(a === 'return' && ['accepted', 'reviewing'].includes(event.status)))),
  )
}

/** The deadline in words: {text: "超期 3 小时" | "剩余 5 小时", late} for open events; null otherwise. */
export function remaining(event: Pick<EventItem, 'deadline_at' | 'status'>, now = Date.now()) {
  if (!event.deadline_at || !OPEN.includes(event.status)) return null
  const ms = new Date(event.deadline_at).getTime() - now
  const late = ms < 0
  const minutes = Math.floor(Math.abs(ms) / 60000)
  let text: string
  if (minutes < 60) text = late ? t('超期 {n} 分钟', { n: minutes }) : t('剩余 {n} 分钟', { n: minutes })
  else if (minutes < 48 * 60) {
    const n = Math.floor(minutes / 60)
    text = late ? t('超期 {n} 小时', { n }) : t('剩余 {n} 小时', { n })
  } else {
    const n = Math.floor(minutes / 1440)
    text = late ? t('超期 {n} 天', { n }) : t('剩余 {n} 天', { n })
  }
  return { text, late, soon: !late && ms < 4 * 3600 * 1000 }
}

/** The problem's field messages (zh, from the service), else its detail. */
export function problemText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 412) return t('该记录已被他人修改，请刷新后重试')
    const msgs = Object.values(e.fieldErrors)
    if (msgs.length) return msgs.join('；')
    if (e.status === 404) return t('对象不存在或您没有查看权限')
    if (e.status === 403) return t('没有权限执行此操作。')
  }
  return errorMessage(e)
}

export const isStale = (e: unknown) => e instanceof ApiError && e.status === 412

export async function loadDepartments(): Promise<Dept[]> {
  const out: Dept[] = []
  for (let p = 1; p < 50; p++) {
    const data = await api.get<Page<Dept>>('departments', { page: p, per_page: 200 })
    out.push(...data.items)
    if (out.length >= data.total || !data.items.length) break
  }
  return out
}

export function deptTree(depts: Dept[]): DeptNode[] {
  const nodes = new Map<number, DeptNode>(depts.map((d) => [d.id, { id: d.id, name: d.name, children: [] }]))
  const roots: DeptNode[] = []
  for (const d of depts) {
    const node = nodes.get(d.id)!
    const parent = d.parent_id !== null ? nodes.get(d.parent_id) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}

/** One move of the lifecycle with If-Match: the ETag given, or a fresh one (GET first). */
export async function act(id: number, action: string, body: Record<string, unknown>, etag?: string) {
  let tag = etag
  if (!tag) tag = (await api.getWithEtag<EventItem>(`events/${id}`)).etag
  return api.request<EventItem>('POST', `events/${id}/actions/${action}`, { body, headers: { 'If-Match': tag } })
}

/** The signed-in user's department, passed by the page shell (data-department-id). */
export function myDepartment(): number | null {
  const raw = document.querySelector<HTMLElement>('#app')?.dataset.departmentId
  return raw ? Number(raw) : null
}
