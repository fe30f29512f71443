// A diagram in the bpmn-js viewer (pan and zoom, nothing editable), with the elements the page lists as
// completed and current marked. Used by a version's page and by the case page; pages work without it.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer'

export async function showDiagram (element) {
  const response = await fetch(element.dataset.bpmnUrl, { credentials: 'same-origin' })
  if (!response.ok) return null
  const viewer = new NavigatedViewer({ container: element })
  await viewer.importXML(await response.text())
  const canvas = viewer.get('canvas')
  canvas.zoom('fit-viewport')
  const registry = viewer.get('elementRegistry')
  const mark = (ids, marker) => ids.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, marker))
  mark(JSON.parse(element.dataset.completed || '[]'), 'sosflow-completed')
  mark(JSON.parse(element.dataset.current || '[]'), 'sosflow-current')
  element.classList.add('sosflow-diagram--shown')
  return viewer
}

export function showDiagrams () {
  return Promise.all([...document.querySelectorAll('[data-bpmn-url]')].map(showDiagram))
}
