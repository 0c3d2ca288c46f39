import { mountPage } from '../app'
import EventList from '../components/events/EventList.vue'

mountPage(EventList)
