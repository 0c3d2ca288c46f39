// The document on the canvas: Vue Flow nodes and edges from a flow document, and back again.
import { MarkerType, type Edge, type Node } from '@vue-flow/core'
import type { DocEdge, FlowDocument } from './shared'
import { t } from '../../app'

export const GRID = 20

/** Where a node without a stored position goes: a column down the canvas. */
function fallbackPosition(index: number) {
  return { x: 240, y: 40 + index * 110 }
}

export function toFlowNodes(doc: FlowDocument): Node[] {
  return doc.nodes.map((n, i) => {
    const { id, position, ...data } = n
    return { id, type: 'tg', position: position ? { ...position } : fallbackPosition(i), data: { ...data } }
  })
}

export function edgeLabel(e: Pick<DocEdge, 'condition' | 'default'>): string {
  if (e.default) return t('默认')
  return e.condition || ''
}

export function toFlowEdge(e: DocEdge): Edge {
  const { id, from, to, ...data } = e
  return {
    id,
    source: from,
    target: to,
    type: 'smoothstep',
    markerEnd: MarkerType.ArrowClosed,
    label: edgeLabel(e),
    data: { ...data },
  }
}

/** The document again, from what is on the canvas (positions rounded to whole pixels). */
export function toDocument(nodes: Node[], edges: Edge[], extra: Record<string, unknown> = {}): FlowDocument {
  return {
    ...extra,
    nodes: nodes.map((n) => {
      const data = clean({ ...(n.data as Record<string, unknown>) })
      return { id: n.id, ...data, type: String(data.type), position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } }
    }),
    edges: edges.map((e) => ({ id: e.id, from: e.source, to: e.target, ...clean({ ...(e.data ?? {}) }) })),
  }
}

/** Drop empty optional keys: the validator reads a missing key as "not set". */
function clean(data: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined || v === null || v === '' || (k === 'default' && v === false)) delete data[k]
    else if (k === 'jump_to' && Array.isArray(v) && !v.length) delete data[k]
  }
  return data
}
