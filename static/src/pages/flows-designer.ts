import { mountPage } from '../app'
import FlowDesigner from '../components/flows/FlowDesigner.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(FlowDesigner, '#app', { flowId: Number(el?.dataset.flowId) || 0 })
