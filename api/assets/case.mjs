// The case page: each process diagram in the bpmn-js viewer with its completed and current elements
// marked, and a Chart.js line per danger statement's scaling over time. The page works without it:
// the chain lists each position and a table beside the chart holds the same figures.
import { Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip } from 'chart.js'
import { showDiagrams } from './viewer.mjs'

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip)
// GOV.UK colours, in an order that keeps neighbouring lines apart.
const COLOURS = ['#1d70b8', '#d4351c', '#00703c', '#f47738', '#4c2c92', '#28a197', '#912b88', '#505a5f']

function showScales (canvas) {
  const source = document.getElementById(canvas.dataset.seriesId)
  if (!source) return
  const series = JSON.parse(source.textContent)
  series.datasets.forEach((dataset, index) => {
    const colour = COLOURS[index % COLOURS.length]
    Object.assign(dataset, { borderColor: colour, backgroundColor: colour, borderWidth: 3, pointRadius: 4 })
  })
  canvas.hidden = false
  const chart = new Chart(canvas, {
    type: 'line',
    data: series,
    options: {
      animation: false,
      spanGaps: true,
      scales: { y: { min: 0, max: 10, title: { display: true, text: 'Safety scale (0 to 10)' } } }
    }
  })
  canvas.dataset.chartReady = String(chart.data.datasets.length)
}

showDiagrams()
document.querySelectorAll('canvas[data-series-id]').forEach(showScales)
