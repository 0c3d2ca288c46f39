// Vite build for Tongguan's interactive pages.
// Every static/src/pages/<name>.ts is an entry; Flask renders the tags from
// static/dist/.vite/manifest.json via tongguan/vite.py (`vite_entry('<name>')`).
// Nothing here may reference a CDN: the app runs on an isolated government network.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const root = fileURLToPath(new URL('.', import.meta.url))
const pagesDir = 'static/src/pages'
const input = Object.fromEntries(
  readdirSync(pagesDir)
    .filter((f) => /\.(ts|js)$/.test(f))
    .map((f) => [f.replace(/\.(ts|js)$/, ''), `${pagesDir}/${f}`]),
)

export default defineConfig({
  root,
  base: '/static/dist/',
  publicDir: false,
  plugins: [vue()],
  define: {
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: 'static/dist',
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input,
      output: {
        codeSplitting: {
          groups: [
            // Vue runtime + vue-i18n (captured first: groups pull in their dependencies recursively).
            {
              name: 'vue',
              test: /node_modules[\\/](vue|@vue|vue-i18n|@intlify)[\\/]/,
              priority: 30,
            },
            // Element Plus (+ its runtime deps and CSS) in one long-cached chunk shared by all pages.
            {
              name: 'element-plus',
              test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|@popperjs|@sxzz|@ctrl|@vueuse|lodash-es|lodash-unified|dayjs|async-validator|memoize-one|normalize-wheel-es)[\\/]/,
              priority: 20,
            },
            // Shared bootstrap (static/src/app.ts, styles.css, Vue SFC helper).
            {
              name: 'app',
              test: /static[\\/]src[\\/](app\.ts|styles\.css)|plugin-vue:export-helper/,
              priority: 10,
            },
          ],
        },
      },
    },
  },
})
