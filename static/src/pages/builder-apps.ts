import { mountPage } from '../app'
import AppList from '../components/builder/AppList.vue'

mountPage(AppList)
