// Undo and redo for the designer: snapshots of the serialized page document. A burst of changes
// (a drag, typing a title) settles for a moment before it counts as one step; an unsettled change
// is undone first. (The flow designer's useHistory, with a redo stack.)
import { computed, ref, watch, type Ref } from 'vue'

const LIMIT = 100
const SETTLE_MS = 300

export function useUndo(serialized: Ref<string>, restore: (snapshot: string) => void) {
  const past: string[] = []
  const future: string[] = []
  const depth = ref({ past: 0, future: 0 })
  let current = ''
  let expected: string | null = null // the snapshot being restored: its change is not a new step
  let timer: ReturnType<typeof setTimeout> | undefined

  const sync = () => (depth.value = { past: past.length, future: future.length })

  function settle() {
    clearTimeout(timer)
    if (serialized.value === current) return
    past.push(current)
    if (past.length > LIMIT) past.shift()
    future.length = 0
    current = serialized.value
    sync()
  }

  watch(serialized, (now) => {
    if (expected !== null && now === expected) {
      expected = null
      current = now
      return
    }
    clearTimeout(timer)
    timer = setTimeout(settle, SETTLE_MS)
  })

  function go(target: string | undefined, push: string[]) {
    if (target === undefined) return
    push.push(current)
    current = target
    sync()
    if (target !== serialized.value) {
      expected = target
      restore(target)
    }
  }

  function undo() {
    settle()
    go(past.pop(), future)
  }

  function redo() {
    settle()
    go(future.pop(), past)
  }

  /** Forget the past: the document as it is now is where undo stops. */
  function reset() {
    clearTimeout(timer)
    past.length = 0
    future.length = 0
    expected = null
    current = serialized.value
    sync()
  }

  const canUndo = computed(() => depth.value.past > 0 || serialized.value !== current)
  const canRedo = computed(() => depth.value.future > 0)
  return { canUndo, canRedo, undo, redo, reset, settle }
}
