import { mountPage } from '../app'
import MatterCatalog from '../components/catalog/MatterCatalog.vue'

mountPage(MatterCatalog)
