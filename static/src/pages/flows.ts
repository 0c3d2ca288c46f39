import { mountPage } from '../app'
import FlowList from '../components/flows/FlowList.vue'

mountPage(FlowList)
