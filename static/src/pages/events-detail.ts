import { mountPage } from '../app'
import EventDetail from '../components/events/EventDetail.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(EventDetail, '#app', {
  eventId: Number(el?.dataset.eventId) || 0,
  departmentId: el?.dataset.departmentId ? Number(el.dataset.departmentId) : null,
})
