// Reads a BPMN file with bpmn-moddle and the modeler's `spiffworkflow` descriptor (api/assets/spiffworkflow.json),
// writes it back as bpmn-js's saveXML does, and prints JSON: import warnings, each element's spiffworkflow
// properties as the modeler sees them, and the exported XML.
import { readFileSync } from 'node:fs'
import { BpmnModdle } from 'bpmn-moddle'

const descriptor = JSON.parse(readFileSync(new URL('../../api/assets/spiffworkflow.json', import.meta.url), 'utf8'))
const moddle = new BpmnModdle({ spiffworkflow: descriptor })
const { rootElement, warnings, elementsById } = await moddle.fromXML(readFileSync(process.argv[2], 'utf8'))
const properties = {}
for (const [id, element] of Object.entries(elementsById)) {
  const values = (element.extensionElements && element.extensionElements.values) || []
  const found = values.filter((v) => v.$type === 'spiffworkflow:Properties').flatMap((v) => v.properties || [])
  if (found.length) properties[id] = Object.fromEntries(found.map((p) => [p.name, p.value]))
}
const { xml } = await moddle.toXML(rootElement, { format: true })
console.log(JSON.stringify({ warnings: warnings.map((w) => w.message), properties, xml }))
