import { mountPage } from '../app'
import AdminUsers from '../components/AdminUsers.vue'

mountPage(AdminUsers)
