import { mountPage } from '../app'
import Indicators from '../components/data/Indicators.vue'

mountPage(Indicators)
