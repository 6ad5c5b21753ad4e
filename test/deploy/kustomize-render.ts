/**
 * A small kustomize for the features deploy/k8s uses (resources, namespace, images, strategic-merge patches
 * by path), so the manifests are rendered and checked even where no kustomize binary exists. Any other
 * kustomization field fails loudly: using a new feature means teaching it here, or the fallback would
 * silently check something other than what `kubectl apply -k` applies. Where `kubectl` or `kustomize` is
 * installed, the tests also compare this rendering with the real one.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  arrayAt,
  isObject,
  loadYamlDocuments,
  loadYamlObject,
  stringAt,
  type Json,
  type JsonObject,
} from './deploy-files.js';

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches']);
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'PriorityClass',
]);

/** List fields merged item by item (Kubernetes' patchMergeKey); every other list is replaced by the patch. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  topologySpreadConstraints: 'topologyKey',
};

export function objectKey(object: JsonObject): string {
  return `${stringAt(object, 'kind') ?? '?'}/${stringAt(object.metadata, 'name') ?? '?'}`;
}

/** The objects `kubectl kustomize <dir>` would produce, keyed as kind/name. */
export function renderKustomization(dir: string): Map<string, JsonObject> {
  const path = join(dir, 'kustomization.yaml');
  const kustomization = loadYamlObject(path);
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field))
      throw new Error(`${path}: the in-test renderer does not support "${field}"`);
  }
  const objects = new Map<string, JsonObject>();
  for (const entry of arrayAt(kustomization, 'resources')) {
    if (typeof entry !== 'string') throw new Error(`${path}: resources entries must be paths`);
    const target = join(dir, entry);
    if (!existsSync(target)) throw new Error(`${path}: resource ${entry} does not exist`);
    const rendered = statSync(target).isDirectory()
      ? [...renderKustomization(target).values()]
      : loadObjects(target);
    for (const object of rendered) {
      const key = objectKey(object);
      if (objects.has(key)) throw new Error(`${path}: ${key} is defined twice`);
      objects.set(key, object);
    }
  }
  for (const entry of arrayAt(kustomization, 'patches')) {
    const patchPath = stringAt(entry, 'path');
    if (patchPath === undefined || Object.keys(entry as JsonObject).length !== 1) {
      throw new Error(`${path}: only patches given as { path } are supported`);
    }
    for (const patch of loadObjects(join(dir, patchPath))) {
      const key = objectKey(patch);
      const base = objects.get(key);
      if (base === undefined)
        throw new Error(`${path}: patch ${patchPath} targets ${key}, which is not a resource`);
      objects.set(key, mergePatch(base, patch) as JsonObject);
    }
  }
  for (const image of arrayAt(kustomization, 'images')) applyImage(objects, image, path);
  const namespace = stringAt(kustomization, 'namespace');
  if (namespace !== undefined) {
    for (const object of objects.values()) {
      const metadata = object.metadata;
      if (!isObject(metadata)) continue;
      if (stringAt(object, 'kind') === 'Namespace') metadata.name = namespace;
      else if (!CLUSTER_SCOPED_KINDS.has(stringAt(object, 'kind') ?? '')) metadata.namespace = namespace;
    }
  }
  return objects;
}

function loadObjects(path: string): JsonObject[] {
  return loadYamlDocuments(path).map((document) => {
    if (!isObject(document)) throw new Error(`${path}: every document must be a Kubernetes object`);
    return document;
  });
}

/** Strategic merge: maps merge key by key, keyed lists merge item by item, other values are replaced. */
export function mergePatch(base: Json | undefined, patch: Json, field = ''): Json {
  if (isObject(patch) && isObject(base)) {
    const merged: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = mergePatch(base[key], value, key);
    }
    return merged;
  }
  const mergeKey = MERGE_KEYS[field];
  if (Array.isArray(patch) && Array.isArray(base) && mergeKey !== undefined) {
    const merged = [...base];
    for (const item of patch) {
      const id = stringAt(item, mergeKey);
      const at = merged.findIndex((candidate) => stringAt(candidate, mergeKey) === id);
      if (at >= 0) merged[at] = mergePatch(merged[at], item, '');
      else merged.push(item);
    }
    return merged;
  }
  return structuredClone(patch);
}

function applyImage(objects: Map<string, JsonObject>, image: Json, path: string): void {
  const name = stringAt(image, 'name');
  if (name === undefined) throw new Error(`${path}: images entries need a name`);
  const newName = stringAt(image, 'newName');
  const newTag = stringAt(image, 'newTag');
  const visit = (value: Json | undefined): void => {
    if (Array.isArray(value)) value.forEach(visit);
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
        for (const container of child) {
          const current = stringAt(container, 'image');
          if (current === undefined || !isObject(container)) continue;
          const [currentName, currentTag] = splitImage(current);
          if (currentName !== name) continue;
          container.image = `${newName ?? currentName}${newTag !== undefined ? `:${newTag}` : currentTag}`;
        }
      } else visit(child);
    }
  };
  for (const object of objects.values()) visit(object);
}

function splitImage(image: string): [string, string] {
  const at = image.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port, not a tag.
  if (at < 0 || at < image.lastIndexOf('/')) return [image, ''];
  return [image.slice(0, at), image.slice(at)];
}

/** Every file a kustomization (and the ones it includes) refers to, for the existence check. */
export function referencedFiles(dir: string): string[] {
  const kustomization = loadYamlObject(join(dir, 'kustomization.yaml'));
  const files: string[] = [join(dir, 'kustomization.yaml')];
  for (const entry of arrayAt(kustomization, 'resources')) {
    if (typeof entry !== 'string') continue;
    const target = join(dir, entry);
    if (existsSync(target) && statSync(target).isDirectory()) files.push(...referencedFiles(target));
    else files.push(target);
  }
  for (const entry of arrayAt(kustomization, 'patches')) {
    const patchPath = stringAt(entry, 'path');
    if (patchPath !== undefined) files.push(join(dir, patchPath));
  }
  return files;
}
