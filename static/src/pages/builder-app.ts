import { mountPage } from '../app'
import AppManage from '../components/builder/AppManage.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(AppManage, '#app', { appId: Number(el?.dataset.appId) || 0 })
