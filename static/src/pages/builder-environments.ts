import { mountPage } from '../app'
import Environments from '../components/builder/Environments.vue'

mountPage(Environments)
