import { mountPage } from '../app'
import ReportDesigner from '../components/reports/ReportDesigner.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(ReportDesigner, '#app', { templateId: Number(el?.dataset.templateId) || 0 })
