import { mountPage } from '../app'
import ReportView from '../components/reports/ReportView.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(ReportView, '#app', { runId: Number(el?.dataset.runId) || 0 })
