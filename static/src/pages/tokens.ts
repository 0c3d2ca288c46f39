import { mountPage } from '../app'
import ApiTokens from '../components/ApiTokens.vue'

mountPage(ApiTokens)
