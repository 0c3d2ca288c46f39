import { mountPage } from '../app'
import ComponentLibrary from '../components/catalog/ComponentLibrary.vue'

mountPage(ComponentLibrary)
