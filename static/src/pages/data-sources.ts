import { mountPage } from '../app'
import DataSources from '../components/data/DataSources.vue'

mountPage(DataSources)
