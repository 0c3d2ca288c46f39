// Shared pieces of the flow pages: the document's shape (runtime/flows/document.py), names of node
// types, moves and units. Nothing here imports Vue Flow, so that the list page stays light.
import { ApiError, errorMessage, t } from '../../app'

export interface FlowItem {
  id: number
  code: string
  name: string
  description: string
  draft: FlowDocument
  published_version: number
  special: boolean
  version: number
  updated_at: string
}

export interface Limit {
  value: number
  unit: 'working_days' | 'hours'
}

export interface DocNode {
  id: string
  type: string
  name?: string
  assign?: { kind: string; value?: unknown }
  routing?: string
  time_limit?: Limit
  warn_before?: Limit
  alert_mode?: string
  platform?: string
  moves?: string[]
  jump_to?: string[]
  wait?: Limit
  position?: { x: number; y: number }
  [key: string]: unknown
}

export interface DocEdge {
  id: string
  from: string
  to: string
  condition?: string
  default?: boolean
  [key: string]: unknown
}

export interface FlowDocument {
  nodes: DocNode[]
  edges: DocEdge[]
  [key: string]: unknown
}

export interface FlowProblem {
  node: string | null
  edge: string | null
  message: string
}

export const NODE_TYPES = ['start', 'task', 'exclusive', 'parallel_split', 'parallel_join', 'timer', 'end']
export const MOVES = ['send', 'return', 'jump', 'cc', 'transfer']
export const ASSIGN_KINDS = ['role', 'department', 'person', 'responsible', 'joint']
export const PRIORITIES = ['normal', 'urgent', 'critical']
export const ALERT_MODES = ['inbox', 'supervise', 'none']
/** Joint handling by several departments is for special flows (疑难事项) only. */
export const ASSIGN_KINDS_FOR = (special: boolean) => ASSIGN_KINDS.filter((k) => special || k !== 'joint')

export function typeLabel(type: string): string {
  const names: Record<string, string> = {
    start: t('开始'),
    task: t('任务'),
    exclusive: t('排他网关'),
    parallel_split: t('并行拆分'),
    parallel_join: t('并行汇聚'),
    timer: t('定时'),
    end: t('结束'),
  }
  return names[type] ?? type
}

export function moveLabel(move: string): string {
  const names: Record<string, string> = {
    send: t('发送'),
    return: t('退回'),
    jump: t('跳转'),
    cc: t('抄送'),
    transfer: t('转办'),
    timer: t('定时到期'),
    start: t('开始'),
  }
  return names[move] ?? move
}

export function assignLabel(kind: string): string {
  const names: Record<string, string> = {
    role: t('角色'),
    department: t('部门'),
    person: t('人员'),
    responsible: t('按权责清单'),
    joint: t('多部门联合'),
  }
  return names[kind] ?? kind
}

export function unitLabel(unit: string): string {
  return unit === 'hours' ? t('小时') : t('工作日')
}

export function alertLabel(mode: string): string {
  const names: Record<string, string> = { inbox: t('通知部门'), supervise: t('通知并督办'), none: t('不提醒') }
  return names[mode] ?? mode
}

export function hoursText(h: number | null | undefined): string {
  if (h === null || h === undefined) return '—'
  return h >= 48 ? t('{n} 天', { n: (h / 24).toFixed(1) }) : t('{n} 小时', { n: h.toFixed(1) })
}

/** The API's complaint in words: field messages (zh, from the service) or the detail. */
export function problemText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 412) return t('流程已被他人保存，请刷新页面后再修改')
    const msgs = Object.values(e.fieldErrors)
    if (msgs.length) return msgs.join('；')
  }
  return errorMessage(e)
}

/** The next free id like t3 for a new node or edge. */
export function freshId(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  let i = 1
  while (used.has(`${prefix}${i}`)) i++
  return `${prefix}${i}`
}

export const ID_PREFIX: Record<string, string> = {
  start: 'start',
  task: 't',
  exclusive: 'g',
  parallel_split: 'ps',
  parallel_join: 'pj',
  timer: 'w',
  end: 'end',
}

/** A new node's defaults, so that a task checks as soon as it has a name and an assignee. */
export function newNode(type: string, id: string, position: { x: number; y: number }): DocNode {
  const node: DocNode = { id, type, position }
  if (type === 'task') Object.assign(node, { name: t('新任务'), routing: 'manual', alert_mode: 'inbox', moves: ['send', 'return'] })
  else if (type === 'exclusive') node.name = t('条件判断')
  else if (type === 'timer') Object.assign(node, { name: t('等待'), wait: { value: 1, unit: 'working_days' } })
  else node.name = typeLabel(type)
  return node
}
