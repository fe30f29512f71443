// The manager dashboard: each <canvas data-chart> drawn with Chart.js from the figures embedded in the page
// (the tables below each chart hold the same figures without JavaScript). A click on a bar or a point
// opens the list of the cases behind it, as the table's links do.
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip
} from 'chart.js'

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, CategoryScale,
  Legend, Tooltip)

function options (kind, data) {
  const stacked = kind === 'stacked'
  return {
    maintainAspectRatio: false,
    animation: false,
    scales: kind === 'line'
      ? { y: { min: 0, max: 100, title: { display: true, text: '% on time' } } }
      : { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
    onClick: (event, elements) => {
      const hit = elements[0]
      const url = hit && data.datasets[hit.datasetIndex].links[hit.index]
      if (url) window.location.assign(url)
    }
  }
}

function draw (canvas) {
  const kind = canvas.dataset.chartKind
  const data = JSON.parse(canvas.dataset.chart) // colours come with the figures, chosen on the server
  const chart = new Chart(canvas, { type: kind === 'line' ? 'line' : 'bar', data, options: options(kind, data) })
  canvas.dataset.drawn = String(chart.data.labels.length)
}

document.querySelectorAll('canvas[data-chart]').forEach(draw)
