// Copy third-party browser assets that are served as-is (not bundled by Vite)
// from node_modules into static/vendor/. Run by `npm run build`.
// swagger-ui: flask-smorest's Swagger page loads swagger-ui.css,
// swagger-ui-bundle.js and swagger-ui-standalone-preset.js from
// OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/".
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const vendor = join(root, 'static', 'vendor')

const packages = {
  'swagger-ui': {
    from: 'node_modules/swagger-ui-dist',
    files: [
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
      'swagger-ui.css',
      'oauth2-redirect.html',
      'oauth2-redirect.js',
      'favicon-16x16.png',
      'favicon-32x32.png',
      'LICENSE',
      'NOTICE',
      'swagger-ui-bundle.js.LICENSE.txt',
      'swagger-ui-standalone-preset.js.LICENSE.txt',
    ],
  },
}

// Source maps are not shipped; drop the trailing comments so browsers don't request them.
const stripSourceMap = (text) => text.replace(/\n?\/[/*]# sourceMappingURL=[^\n]*\s*$/, '\n')

for (const [name, { from, files }] of Object.entries(packages)) {
  const dest = join(vendor, name)
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  for (const file of files) {
    const src = join(root, from, file)
    if (/\.(js|css)$/.test(file)) {
      writeFileSync(join(dest, file), stripSourceMap(readFileSync(src, 'utf8')))
    } else {
      cpSync(src, join(dest, file))
    }
  }
  const { version } = JSON.parse(readFileSync(join(root, from, 'package.json'), 'utf8'))
  writeFileSync(join(dest, 'VERSION'), `${version}\n`)
  console.log(`vendor: ${name} ${version} -> ${dest}`)
}
