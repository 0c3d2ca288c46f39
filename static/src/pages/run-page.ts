// /run/<app>/<page>: the runtime viewer of a published app page (builder/web.py renders the shell).
import { mountPage } from '../app'
import RunPage from '../components/builder/RunPage.vue'

const el = document.querySelector<HTMLElement>('#app')
mountPage(RunPage, '#app', { appCode: el?.dataset.appCode ?? '', pageCode: el?.dataset.pageCode ?? '' })
