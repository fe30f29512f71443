// The case page: each process diagram in the bpmn-js viewer with its completed and current elements
// marked, and a Chart.js line per danger statement's scaling over time. The page works without it.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer'
import { Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip } from 'chart.js'

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip)

async function showDiagram (element) {
  const response = await fetch(element.dataset.bpmnUrl, { credentials: 'same-origin' })
  if (!response.ok) return
  const viewer = new NavigatedViewer({ container: element })
  await viewer.importXML(await response.text())
  const canvas = viewer.get('canvas')
  canvas.zoom('fit-viewport')
  const registry = viewer.get('elementRegistry')
  const mark = (ids, marker) => ids.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, marker))
  mark(JSON.parse(element.dataset.completed || '[]'), 'sosflow-completed')
  mark(JSON.parse(element.dataset.current || '[]'), 'sosflow-current')
}

function showScales (canvas) {
  const series = JSON.parse(canvas.dataset.series || '{}')
  new Chart(canvas, {
    type: 'line',
    data: series,
    options: { scales: { y: { min: 0, max: 10, title: { display: true, text: 'Safety scale (0–10)' } } } }
  })
}

document.querySelectorAll('[data-bpmn-url]').forEach((element) => { showDiagram(element) })
document.querySelectorAll('canvas[data-series]').forEach(showScales)
