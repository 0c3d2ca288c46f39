import { mountPage } from '../app'
import DataServices from '../components/data/DataServices.vue'

mountPage(DataServices)
