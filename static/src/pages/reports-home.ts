import { mountPage } from '../app'
import ReportsHome from '../components/reports/ReportsHome.vue'

mountPage(ReportsHome)
