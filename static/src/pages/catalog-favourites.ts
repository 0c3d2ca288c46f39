import { mountPage } from '../app'
import FavouriteTags from '../components/catalog/FavouriteTags.vue'

mountPage(FavouriteTags)
