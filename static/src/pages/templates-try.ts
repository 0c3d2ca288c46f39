// /templates/<code>/try: a template's pages on sample data, before anything is created.
import { mountPage } from '../app'
import TemplateTry from '../components/templates/TemplateTry.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(TemplateTry, '#app', { templateCode: el?.dataset.templateCode ?? '' })
