import { mountPage } from '../app'
import ServiceBuilder from '../components/data/ServiceBuilder.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(ServiceBuilder, '#app', { serviceId: Number(el?.dataset.serviceId) || 0 })
