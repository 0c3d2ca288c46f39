import { mountPage } from '../app'
import RecycleBin from '../components/catalog/RecycleBin.vue'

mountPage(RecycleBin)
