/**
 * Reading the engine's pieces out of rendered Kubernetes objects, and the unit conversions the checks need
 * (Kubernetes quantities, the env a pod would get).
 */
import { parseAllDocuments } from 'yaml';
import {
  arrayAt,
  dig,
  findTool,
  isObject,
  objectAt,
  runTool,
  stringAt,
  type Json,
  type JsonObject,
} from './deploy-files.js';
import { objectKey } from './kustomize-render.js';

export const NAMESPACE = 'anti-call-masking';
export const ENGINE = 'sentinel-engine';

export function getObject(objects: Map<string, JsonObject>, key: string): JsonObject {
  const object = objects.get(key);
  if (object === undefined) throw new Error(`${key} is missing from the rendered manifests`);
  return object;
}

export function podSpec(workload: JsonObject): JsonObject {
  return objectAt(objectAt(objectAt(workload, 'spec'), 'template'), 'spec');
}

export function container(workload: JsonObject, name: string): JsonObject {
  const found = arrayAt(podSpec(workload), 'containers').find(
    (candidate) => stringAt(candidate, 'name') === name,
  );
  if (!isObject(found)) throw new Error(`${objectKey(workload)} has no container ${name}`);
  return found;
}

export function configMapData(objects: Map<string, JsonObject>, name: string): Record<string, string> {
  const data = objectAt(getObject(objects, `ConfigMap/${name}`), 'data');
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string')
      throw new Error(`ConfigMap ${name}: ${key} must be a string, got ${JSON.stringify(value)}`);
    values[key] = value;
  }
  return values;
}

/** Names of the environment variables a container gets: `env` entries plus the keys of envFrom ConfigMaps. */
export function containerEnvNames(objects: Map<string, JsonObject>, target: JsonObject): string[] {
  const names = arrayAt(target, 'env').map((entry) => stringAt(entry, 'name') ?? '?');
  for (const source of arrayAt(target, 'envFrom')) {
    const configMap = stringAt(objectAt(source, 'configMapRef'), 'name');
    if (configMap === undefined)
      throw new Error('only envFrom.configMapRef is expected (secrets go through env)');
    names.push(...Object.keys(configMapData(objects, configMap)));
  }
  return names;
}

export function envEntry(target: JsonObject, name: string): JsonObject | undefined {
  const found = arrayAt(target, 'env').find((entry) => stringAt(entry, 'name') === name);
  return isObject(found) ? found : undefined;
}

const QUANTITY_FACTORS: Record<string, number> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  M: 1e6,
  G: 1e9,
};

/** Bytes of a Kubernetes memory quantity such as `1536Mi` or `2Gi`. */
export function quantityBytes(quantity: Json | undefined): number {
  const match = typeof quantity === 'string' ? /^(\d+(?:\.\d+)?)([KMGT]i|[kMG])?$/.exec(quantity) : null;
  if (match === null) throw new Error(`not a memory quantity: ${JSON.stringify(quantity)}`);
  return Number(match[1]) * QUANTITY_FACTORS[match[2] ?? '']!;
}

/** Selector labels of a workload's pods. */
export function podLabels(workload: JsonObject): JsonObject {
  return objectAt(objectAt(objectAt(objectAt(workload, 'spec'), 'template'), 'metadata'), 'labels');
}

export function matches(selector: Json | undefined, labels: JsonObject): boolean {
  if (!isObject(selector)) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function probePath(target: JsonObject, probe: string): string | undefined {
  const path = dig(target, probe, 'httpGet', 'path');
  return typeof path === 'string' ? path : undefined;
}

/**
 * The rendering of kustomize itself, when `kustomize` or `kubectl` (which embeds it) is installed;
 * undefined otherwise.
 */
export function renderWithKustomize(dir: string): Map<string, JsonObject> | undefined {
  const kustomize = findTool('kustomize');
  const kubectl = findTool('kubectl');
  const run =
    kustomize !== undefined
      ? runTool(kustomize, ['build', dir])
      : kubectl !== undefined
        ? runTool(kubectl, ['kustomize', dir])
        : undefined;
  if (run === undefined) return undefined;
  if (run.status !== 0) throw new Error(`kustomize failed on ${dir}: ${run.stderr}`);
  const objects = new Map<string, JsonObject>();
  for (const document of parseAllDocuments(run.stdout)) {
    const value = document.toJS() as Json;
    if (isObject(value)) objects.set(objectKey(value), value);
  }
  return objects;
}
