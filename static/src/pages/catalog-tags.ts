import { mountPage } from '../app'
import TagWorkbench from '../components/catalog/TagWorkbench.vue'

mountPage(TagWorkbench)
