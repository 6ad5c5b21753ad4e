/**
 * Validates Kubernetes objects against the API schemas shipped in the kubernetes-models package, twice:
 * its JSON-schema `validate()` (types, enums, required fields) and TypeScript's excess-property check
 * against the same package's interfaces, which catches what the JSON schemas allow through: misspelled or
 * misplaced fields (`readinesProbe`, `resources` under the pod instead of the container).
 */
import ts from 'typescript';
import { Namespace, ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { REPO_ROOT, stringAt, type JsonObject } from './deploy-files.js';
import { objectKey } from './kustomize-render.js';

interface ModelClass {
  new (data: never): { validate(): void };
}

/** The kinds deploy/k8s uses: the model class, and where its TypeScript interface lives. */
const MODELS: Record<string, { model: ModelClass; module: string; type: string }> = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1', type: 'INamespace' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1', type: 'IConfigMap' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1', type: 'IService' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1', type: 'IServiceAccount' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1', type: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1', type: 'IStatefulSet' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    module: 'kubernetes-models/networking.k8s.io/v1',
    type: 'INetworkPolicy',
  },
  'networking.k8s.io/v1/Ingress': {
    model: Ingress,
    module: 'kubernetes-models/networking.k8s.io/v1',
    type: 'IIngress',
  },
};

function modelFor(object: JsonObject): (typeof MODELS)[string] {
  const id = `${stringAt(object, 'apiVersion') ?? '?'}/${stringAt(object, 'kind') ?? '?'}`;
  const entry = MODELS[id];
  if (entry === undefined)
    throw new Error(`${objectKey(object)}: no schema known for ${id}; add it to MODELS`);
  return entry;
}

/** Problems `validate()` finds, one line per object ([] when all are valid). */
export function schemaErrors(objects: Iterable<JsonObject>): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const { model } = modelFor(object);
    try {
      new model(structuredClone(object) as never).validate();
    } catch (error) {
      errors.push(`${objectKey(object)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return errors;
}

/**
 * Type-checks every object as an object literal of its kind's interface, in one in-memory program, and
 * returns the diagnostics with the object they belong to ([] when all conform).
 */
export function typeErrors(objects: Iterable<JsonObject>): string[] {
  const list = [...objects];
  const imports = new Map<string, Set<string>>();
  const lines: string[] = [];
  // One object per line, so a diagnostic's line number names the object it is about.
  list.forEach((object, i) => {
    const { module, type } = modelFor(object);
    imports.set(module, (imports.get(module) ?? new Set()).add(type));
    lines.push(`export const object${i}: ${type} = ${JSON.stringify(object)};`);
  });
  const header = [...imports].map(
    ([module, types]) => `import type { ${[...types].join(', ')} } from '${module}';`,
  );
  const source = [...header, ...lines].join('\n');
  const fileName = `${REPO_ROOT}/test/deploy/__manifests__.ts`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    exactOptionalPropertyTypes: false,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.getSourceFile = (name, languageVersion) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const owner = list[line - header.length];
    return `${owner === undefined ? 'manifest' : objectKey(owner)}: ${message}`;
  });
}
