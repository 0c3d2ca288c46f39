import { mountPage } from '../app'
import AuditLog from '../components/AuditLog.vue'

mountPage(AuditLog)
