import { mountPage } from '../app'
import ReportTemplates from '../components/reports/ReportTemplates.vue'

mountPage(ReportTemplates)
