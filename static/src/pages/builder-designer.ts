import { mountPage } from '../app'
import Designer from '../components/builder/Designer.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(Designer, '#app', { appId: Number(el?.dataset.appId) || 0 })
