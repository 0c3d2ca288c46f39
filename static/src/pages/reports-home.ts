import { mountPage } from '../app'
import Placeholder from '../components/catalog/Placeholder.vue'

mountPage(Placeholder)
