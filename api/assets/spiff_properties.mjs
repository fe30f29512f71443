// Our diagram extensions in the bpmn-js properties panel: each is a `spiffworkflow:property` (name, value) in
// the element's `extensionElements/spiffworkflow:properties`, as bpmn/CONVENTIONS.md says. An emptied field
// removes its property. Every change goes through `modeling`, so it can be undone.
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil'
import { TextFieldEntry, TextAreaEntry, isTextFieldEntryEdited, isTextAreaEntryEdited } from '@bpmn-io/properties-panel'
import { h } from '@bpmn-io/properties-panel/preact'
import { useService } from 'bpmn-js-properties-panel'

const FIELDS = {
  form: { label: 'Form', description: 'The key of a form in forms/, for example mash_screening' },
  due: { label: 'Due', description: 'An expression giving an ISO date-time, for example add_working_days(clock_started_at, 1)' },
  due_rule: { label: 'Timescale rule', description: 'The timescale id, for example T1' },
  constraints: { label: 'Constraints', description: 'A JSON object narrowing the form here, for example {"type": ["review"]}', area: true },
  outcome: { label: 'Outcome', description: 'The outcome this end event gives the process' },
  starts_process: { label: 'Starts process', description: 'The process this end event hands the case on to' },
  rule: { label: 'Timescale rule', description: 'The timescale id this timer enforces, for example T1' }
}

function fieldsFor (element) {
  if (is(element, 'bpmn:UserTask')) return ['form', 'due', 'due_rule', 'constraints']
  if (is(element, 'bpmn:StartEvent')) return ['form']
  if (is(element, 'bpmn:EndEvent')) return ['outcome', 'starts_process']
  const timer = (getBusinessObject(element).eventDefinitions || []).some((d) => is(d, 'bpmn:TimerEventDefinition'))
  if (is(element, 'bpmn:BoundaryEvent') && timer) return ['rule']
  return []
}

function propertiesOf (businessObject) {
  const extensions = businessObject.get('extensionElements')
  return extensions && extensions.get('values').find((value) => is(value, 'spiffworkflow:Properties'))
}

export function getProperty (businessObject, name) {
  const properties = propertiesOf(businessObject)
  const property = properties && properties.get('properties').find((p) => p.name === name)
  return property ? property.value : ''
}

function ensureProperties (element, bpmnFactory, modeling) {
  const businessObject = getBusinessObject(element)
  let extensions = businessObject.get('extensionElements')
  if (!extensions) {
    extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] })
    extensions.$parent = businessObject
    modeling.updateModdleProperties(element, businessObject, { extensionElements: extensions })
  }
  let properties = propertiesOf(businessObject)
  if (!properties) {
    properties = bpmnFactory.create('spiffworkflow:Properties', { properties: [] })
    properties.$parent = extensions
    modeling.updateModdleProperties(element, extensions, { values: [...extensions.get('values'), properties] })
  }
  return properties
}

export function setProperty (element, name, value, bpmnFactory, modeling) {
  const properties = ensureProperties(element, bpmnFactory, modeling)
  const list = properties.get('properties')
  const existing = list.find((p) => p.name === name)
  if (!value) {
    if (existing) modeling.updateModdleProperties(element, properties, { properties: list.filter((p) => p !== existing) })
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value })
  } else {
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value })
    property.$parent = properties
    modeling.updateModdleProperties(element, properties, { properties: [...list, property] })
  }
}

function PropertyEntry (props) {
  const { element, id, name } = props
  const modeling = useService('modeling')
  const bpmnFactory = useService('bpmnFactory')
  const debounce = useService('debounceInput')
  const field = FIELDS[name]
  return h(field.area ? TextAreaEntry : TextFieldEntry, {
    id,
    element,
    label: field.label,
    description: field.description,
    getValue: () => getProperty(getBusinessObject(element), name),
    setValue: (value) => setProperty(element, name, (value || '').trim(), bpmnFactory, modeling),
    debounce
  })
}

export default function SosflowPropertiesProvider (propertiesPanel) {
  this.getGroups = (element) => (groups) => {
    const names = fieldsFor(element)
    if (names.length) {
      groups.splice(1, 0, {
        id: 'sosflow',
        label: 'sosflow',
        entries: names.map((name) => ({
          id: `sosflow-${name}`,
          name,
          element,
          component: PropertyEntry,
          isEdited: FIELDS[name].area ? isTextAreaEntryEdited : isTextFieldEntryEdited
        }))
      })
    }
    return groups
  }
  propertiesPanel.registerProvider(500, this)
}
SosflowPropertiesProvider.$inject = ['propertiesPanel']
