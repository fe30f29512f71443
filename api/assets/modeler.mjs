// The process owners' modeler: bpmn-js with the properties panel and our `spiffworkflow` properties.
// "Check" posts the XML to the deploy verification and pins each problem to its element (a marker and an
// overlay) with a GOV.UK error summary above; "Deploy as new version" stores it and opens the version.
import BpmnModeler from 'bpmn-js/lib/Modeler'
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel'
import spiffworkflow from './spiffworkflow.json'
import SosflowPropertiesProvider from './spiff_properties.mjs'

const page = document.getElementById('modeler')
const form = document.getElementById('modeler-form')
const summary = document.getElementById('modeler-problems')
const status = document.getElementById('modeler-status')
const modeler = new BpmnModeler({
  container: '#modeler-canvas',
  propertiesPanel: { parent: '#modeler-properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    { __init__: ['sosflowPropertiesProvider'], sosflowPropertiesProvider: ['type', SosflowPropertiesProvider] }],
  moddleExtensions: { spiffworkflow }
})
let pinned = []
const KEPT = `sosflow-modeler:${window.location.pathname}${window.location.search}`

function say (text) {
  status.textContent = text
}

function unpin () {
  const canvas = modeler.get('canvas')
  modeler.get('overlays').remove({ type: 'sosflow-problem' })
  pinned.forEach((id) => canvas.removeMarker(id, 'sosflow-problem'))
  pinned = []
  summary.replaceChildren()
}

function pin (problems) {
  const registry = modeler.get('elementRegistry')
  const canvas = modeler.get('canvas')
  problems.forEach((problem, index) => {
    const id = problem.element_id
    if (!id || !registry.get(id)) return
    canvas.addMarker(id, 'sosflow-problem')
    pinned.push(id)
    const badge = document.createElement('div')
    badge.className = 'sosflow-problem-overlay'
    badge.id = `pinned-problem-${index + 1}`
    badge.dataset.elementId = id
    badge.textContent = `${index + 1}`
    badge.title = problem.message
    modeler.get('overlays').add(id, 'sosflow-problem', { position: { top: -12, right: 12 }, html: badge })
  })
}

function focusElement (id) {
  const element = modeler.get('elementRegistry').get(id)
  if (!element) return
  modeler.get('canvas').scrollToElement(element)
  modeler.get('selection').select(element)
}

function showSummary (problems) {
  const box = document.createElement('div')
  box.className = 'govuk-error-summary'
  box.dataset.module = 'govuk-error-summary'
  box.setAttribute('role', 'alert')
  box.tabIndex = -1
  const title = document.createElement('h2')
  title.className = 'govuk-error-summary__title'
  title.textContent = 'There is a problem'
  const body = document.createElement('div')
  body.className = 'govuk-error-summary__body'
  const list = document.createElement('ul')
  list.className = 'govuk-list govuk-error-summary__list'
  problems.forEach((problem, index) => {
    const item = document.createElement('li')
    const link = document.createElement('a')
    link.href = '#modeler-canvas'
    link.dataset.elementId = problem.element_id || ''
    link.textContent = `${index + 1}. ${problem.element_id ? problem.element_id + ': ' : ''}${problem.message}`
    link.addEventListener('click', (event) => {
      event.preventDefault()
      if (problem.element_id) focusElement(problem.element_id)
      document.getElementById('modeler-canvas').focus()
    })
    item.append(link)
    list.append(item)
  })
  body.append(list)
  box.append(title, body)
  summary.replaceChildren(box)
  box.focus()
}

async function send (action) {
  unpin()
  const { xml } = await modeler.saveXML({ format: true })
  const body = new FormData()
  body.append('csrf_token', form.elements.csrf_token.value)
  // As a file part, like an upload: a form field is capped far below the size a diagram may have.
  body.append('file', new Blob([xml], { type: 'application/xml' }), form.dataset.fileName)
  const response = await fetch(action, {
    method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' }, redirect: 'manual'
  })
  if (signedOut(response)) {
    keep(xml)
    return null
  }
  const answer = await response.json().catch(() => ({ ok: false, problems: [{ message: `The server answered ${response.status}` }] }))
  if (!answer.ok) {
    pin(answer.problems)
    showSummary(answer.problems)
    say(`${answer.problems.length} problem${answer.problems.length === 1 ? '' : 's'} found`)
    return null
  }
  return answer
}

function signedOut (response) {
  // `redirect: 'manual'`: the only redirect these routes answer a JSON request with is to the sign-in page.
  return response.type === 'opaqueredirect' || response.status === 401 || response.status === 403
}

function keep (xml) {
  try {
    window.sessionStorage.setItem(KEPT, xml)
  } catch (error) {
    // Storage full or switched off: the banner still says what happened; the changes are only on this page.
  }
  const banner = document.getElementById('signed-out')
  banner.hidden = false
  const region = banner.querySelector('.govuk-notification-banner')
  region.tabIndex = -1
  region.focus()
  say('You have been signed out. Sign in to check or deploy your changes.')
}

function kept () {
  const xml = window.sessionStorage.getItem(KEPT)
  if (xml) window.sessionStorage.removeItem(KEPT)
  return xml
}

async function check () {
  const answer = await send(form.dataset.checkUrl)
  if (answer) say(`No problems found in ${answer.key}. You can deploy it as a new version.`)
}

async function deploy () {
  const answer = await send(form.dataset.deployUrl)
  if (answer) window.location.assign(answer.url)
}

async function open () {
  // Shown before the import: a hidden canvas has no size, and fitting the diagram into it fails.
  page.hidden = false
  document.getElementById('modeler-no-js').hidden = true
  const restored = kept()
  const xml = restored || await (await fetch(form.dataset.bpmnUrl, { credentials: 'same-origin' })).text()
  await modeler.importXML(xml)
  if (restored) say('Your changes from before you were signed out are back. Check or deploy them.')
  const canvas = modeler.get('canvas')
  canvas.zoom('fit-viewport')
  canvas.scroll({ dx: 120, dy: 0 }) // clear of the palette, which covers the canvas's left edge
  document.getElementById('check-diagram').addEventListener('click', (event) => { event.preventDefault(); check() })
  document.getElementById('deploy-diagram').addEventListener('click', (event) => { event.preventDefault(); deploy() })
  page.dataset.ready = 'yes'
}

open()
