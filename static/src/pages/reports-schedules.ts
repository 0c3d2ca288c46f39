import { mountPage } from '../app'
import ReportSchedules from '../components/reports/ReportSchedules.vue'

mountPage(ReportSchedules)
