// Reads each BPMN file with bpmn-moddle (the reader bpmn-js and Camunda Modeler use) and prints
// a JSON report: import warnings, and diagram elements whose DI references do not resolve.
import { readFileSync } from "node:fs";
import { BpmnModdle } from "bpmn-moddle";

const moddle = new BpmnModdle();
const reports = {};
for (const path of process.argv.slice(2)) {
  const { rootElement, warnings } = await moddle.fromXML(readFileSync(path, "utf8"));
  const planes = rootElement.diagrams.map((d) => d.plane);
  const unresolved = planes.flatMap((p) => p.planeElement.filter((e) => !e.bpmnElement).map((e) => e.id));
  reports[path] = { warnings: warnings.map((w) => w.message), unresolved, diagrams: planes.length };
}
console.log(JSON.stringify(reports));
