// Bundles api/assets/modeler.mjs for a page whose Content Security Policy allows no inline style
// (`style-src 'self'`): the few `style="…"` attributes bpmn-js and its properties panel put in HTML they parse
// would each be a CSP violation. Their declarations become SVG presentation attributes (the align and
// distribute icons) or move to api/static/css/sosflow.css (the properties panel's two containers).
// A replacement that no longer matches (a new library version) fails the build instead of passing silently.
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import * as esbuild from 'esbuild'

const [outfile] = process.argv.slice(2)
const STYLE_ATTRIBUTE = /\sstyle="([^"]*)"/g

function presentation (css) {
  return css.split(';').map((rule) => rule.trim()).filter(Boolean)
    .map((rule) => rule.split(':').map((part) => part.trim()))
    .map(([name, value]) => ` ${name}="${value}"`).join('')
}

function replaced (text, from, to, file) {
  if (!text.includes(from)) throw new Error(`${file}: "${from}" not found; check its inline styles again`)
  return text.replace(from, to)
}

const noInlineStyles = {
  name: 'no-inline-styles',
  setup (build) {
    build.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8')
      text = replaced(text, '<div style="height: 100%" tabindex="-1"', '<div tabindex="-1"', args.path)
      text = replaced(text, '<div style="flex: none; height: auto" class="', '<div class="', args.path)
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) }
    })
    build.onLoad({ filter: /(AlignElements|DistributeElements)Icons\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      if (!STYLE_ATTRIBUTE.test(text)) throw new Error(`${args.path}: no inline style left to rewrite`)
      return { contents: text.replace(STYLE_ATTRIBUTE, (_, css) => presentation(css)), loader: 'js' }
    })
  }
}

await esbuild.build({
  entryPoints: ['api/assets/modeler.mjs'],
  outfile,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  logLevel: 'warning',
  plugins: [noInlineStyles]
})
