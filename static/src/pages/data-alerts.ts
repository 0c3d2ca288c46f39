import { mountPage } from '../app'
import AlertRules from '../components/data/AlertRules.vue'

mountPage(AlertRules)
