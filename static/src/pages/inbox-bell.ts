// The inbox bell in the top bar (base.html, signed-in pages only): its own small Vue app beside the page's.
import { mountPage } from '../app'
import InboxBell from '../components/InboxBell.vue'

if (document.querySelector('#tg-inbox-bell')) mountPage(InboxBell, '#tg-inbox-bell')
