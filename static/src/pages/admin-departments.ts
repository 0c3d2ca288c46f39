import { mountPage } from '../app'
import AdminDepartments from '../components/AdminDepartments.vue'

mountPage(AdminDepartments)
