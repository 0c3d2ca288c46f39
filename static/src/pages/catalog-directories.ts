import { mountPage } from '../app'
import DirectoryPage from '../components/catalog/DirectoryPage.vue'

mountPage(DirectoryPage)
