// /templates: the scenario-template gallery and my clones (templates_lib/web.py renders the shell).
import { mountPage } from '../app'
import TemplateGallery from '../components/templates/TemplateGallery.vue'

mountPage(TemplateGallery)
