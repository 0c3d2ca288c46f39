import { mountPage } from '../app'
import ResourcePage from '../components/catalog/ResourcePage.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(ResourcePage, '#app', { resourceId: Number(el?.dataset.resourceId) || 0 })
