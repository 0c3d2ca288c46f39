// Undo for the designer: snapshots of the serialized document. A burst of changes (a drag, typing
// a name) settles for a moment before it counts as one step.
import { computed, ref, watch, type Ref } from 'vue'

const LIMIT = 50
const SETTLE_MS = 300

export function useHistory(serialized: Ref<string>, restore: (snapshot: string) => void) {
  const stack: string[] = []
  const depth = ref(0)
  const current = ref('')
  let restoring = false
  let timer: ReturnType<typeof setTimeout> | undefined

  watch(serialized, (now) => {
    if (restoring) {
      restoring = false
      current.value = now
      return
    }
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (serialized.value === current.value) return
      stack.push(current.value)
      if (stack.length > LIMIT) stack.shift()
      depth.value = stack.length
      current.value = serialized.value
    }, SETTLE_MS)
  })

  /** Forget the past: the document as it is now is where undo stops. */
  function reset() {
    clearTimeout(timer)
    stack.length = 0
    depth.value = 0
    current.value = serialized.value
  }

  function undo() {
    clearTimeout(timer)
    // a change that has not settled yet is undone first
    const target = serialized.value !== current.value ? current.value : stack.pop()
    depth.value = stack.length
    if (target === undefined || target === serialized.value) return
    restoring = true
    current.value = target
    restore(target)
  }

  const canUndo = computed(() => depth.value > 0 || serialized.value !== current.value)
  return { canUndo, reset, undo }
}
