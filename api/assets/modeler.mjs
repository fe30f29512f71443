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
    method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' }
  })
  const answer = await response.json().catch(() => ({ ok: false, problems: [{ message: `The server answered ${response.status}` }] }))
  if (!answer.ok) {
    pin(answer.problems)
    showSummary(answer.problems)
    say(`${answer.problems.length} problem${answer.problems.length === 1 ? '' : 's'} found`)
    return null
  }
  return answer
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
  const response = await fetch(form.dataset.bpmnUrl, { credentials: 'same-origin' })
  await modeler.importXML(await response.text())
  const canvas = modeler.get('canvas')
  canvas.zoom('fit-viewport')
  canvas.scroll({ dx: 120, dy: 0 }) // clear of the palette, which covers the canvas's left edge
  document.getElementById('check-diagram').addEventListener('click', (event) => { event.preventDefault(); check() })
  document.getElementById('deploy-diagram').addEventListener('click', (event) => { event.preventDefault(); deploy() })
  page.dataset.ready = 'yes'
}

open()
