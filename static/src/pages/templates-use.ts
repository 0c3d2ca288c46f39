// /templates/uses/<id>: what one clone of a template made, and its drills.
import { mountPage } from '../app'
import TemplateUse from '../components/templates/TemplateUse.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(TemplateUse, '#app', { useId: Number(el?.dataset.useId) })
