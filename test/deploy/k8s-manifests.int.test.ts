/**
 * deploy/k8s: the kustomize base and production overlay render, pass the Kubernetes schemas, and agree with
 * the engine (env vars it reads, ports and probe paths, partition ownership, memory the alert rules assume).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig, parseDurationMs } from '../../src/config/index.js';
import {
  arrayAt,
  dig,
  loadYamlDocuments,
  numberAt,
  objectAt,
  repoPath,
  stringAt,
  type Json,
  type JsonObject,
} from './deploy-files.js';
import {
  ENGINE,
  NAMESPACE,
  configMapData,
  container,
  containerEnvNames,
  envEntry,
  getObject,
  matches,
  podLabels,
  podSpec,
  probePath,
  quantityBytes,
  renderWithKustomize,
} from './engine-manifest.js';
import { referencedFiles, renderKustomization } from './kustomize-render.js';
import { schemaErrors, typeErrors } from './kubernetes-schema.js';
import { natsConfigProblems, partitionMappingCount } from './nats-config.js';
import { alertRules } from './prometheus-rules.js';

const K8S_DIR = repoPath('deploy/k8s');
const LAYERS = {
  base: join(K8S_DIR, 'base'),
  production: join(K8S_DIR, 'overlays/production'),
} as const;
type Layer = keyof typeof LAYERS;
const LAYER_NAMES = Object.keys(LAYERS) as Layer[];
const rendered = new Map(LAYER_NAMES.map((layer) => [layer, renderKustomization(LAYERS[layer])]));

function objectsOf(layer: Layer): Map<string, JsonObject> {
  const objects = rendered.get(layer);
  if (objects === undefined) throw new Error(`no rendering for ${layer}`);
  return objects;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function engineParts(layer: Layer) {
  const objects = objectsOf(layer);
  const statefulSet = getObject(objects, `StatefulSet/${ENGINE}`);
  return {
    objects,
    statefulSet,
    engine: container(statefulSet, ENGINE),
    config: configMapData(objects, 'sentinel-config'),
  };
}

describe('kubernetes manifests', () => {
  it('parse, and every file a kustomization refers to is used and exists', () => {
    const files = yamlFilesUnder(K8S_DIR);
    for (const file of files) expect(() => loadYamlDocuments(file), file).not.toThrow();
    const referenced = new Set(LAYER_NAMES.flatMap((layer) => referencedFiles(LAYERS[layer])));
    for (const file of referenced) expect(existsSync(file), file).toBe(true);
    // A manifest no kustomization lists is never applied: a sign of a forgotten resources entry.
    expect(files.filter((file) => !referenced.has(file))).toEqual([]);
  });

  it('both layers render to objects that pass the Kubernetes schemas, and the check is not vacuous', () => {
    const objects = LAYER_NAMES.flatMap((layer) => [...objectsOf(layer).values()]);
    expect(objects.length).toBeGreaterThan(20);
    expect(schemaErrors(objects)).toEqual([]);
    // A misspelled probe and a string port, which the JSON schemas alone let through or catch respectively.
    const broken = structuredClone(getObject(objectsOf('base'), `StatefulSet/${ENGINE}`));
    const brokenEngine = container(broken, ENGINE);
    brokenEngine.readinesProbe = brokenEngine.readinessProbe ?? null;
    expect(schemaErrors([broken])).toEqual([]);
    const errors = typeErrors([...objects, broken]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^StatefulSet\/sentinel-engine: .*readinesProbe.*IContainer/);
  });

  it.each(LAYER_NAMES)(
    '%s: the in-test rendering is what kustomize renders, where kustomize is installed',
    (layer) => {
      const real = renderWithKustomize(LAYERS[layer]);
      // kubectl embeds kustomize; the tool is optional, the in-test rendering above is always checked.
      if (real !== undefined) expect(Object.fromEntries(objectsOf(layer))).toEqual(Object.fromEntries(real));
    },
  );

  it.each(LAYER_NAMES)('%s: every object lives in the namespace %s', (layer) => {
    for (const object of objectsOf(layer).values()) {
      if (stringAt(object, 'kind') === 'Namespace') expect(dig(object, 'metadata', 'name')).toBe(NAMESPACE);
      else expect(dig(object, 'metadata', 'namespace'), stringAt(object, 'kind')).toBe(NAMESPACE);
    }
  });

  it.each(LAYER_NAMES)(
    '%s: replicas, INSTANCE_COUNT and the HPA bounds agree, and every replica has a valid config',
    (layer) => {
      const { objects, statefulSet, config } = engineParts(layer);
      const replicas = numberAt(objectAt(statefulSet, 'spec'), 'replicas');
      const hpa = objectAt(getObject(objects, `HorizontalPodAutoscaler/${ENGINE}`), 'spec');
      expect(replicas).toBeGreaterThan(0);
      expect(config.INSTANCE_COUNT).toBe(String(replicas));
      expect([numberAt(hpa, 'minReplicas'), numberAt(hpa, 'maxReplicas')]).toEqual([replicas, replicas]);
      expect(dig(hpa, 'scaleTargetRef', 'kind')).toBe('StatefulSet');
      expect(dig(hpa, 'scaleTargetRef', 'name')).toBe(ENGINE);
      // Each replica gets the ConfigMap, its own index and the secrets: the engine's own loader accepts it.
      const secrets = { DATABASE_URL: 'postgres://sentinel:secret@db:5432/sentinel' };
      const owned = new Set<number>();
      for (let index = 0; index < (replicas ?? 0); index++) {
        const loaded = loadConfig({ ...config, ...secrets, INSTANCE_INDEX: String(index) });
        for (let p = 0; p < loaded.partitions; p++) if (p % loaded.instanceCount === index) owned.add(p);
      }
      expect(owned.size).toBe(Number(config.PARTITIONS));
      // One replica more than INSTANCE_COUNT fails fast instead of double-owning partitions.
      expect(() => loadConfig({ ...config, ...secrets, INSTANCE_INDEX: String(replicas) })).toThrow(
        /INSTANCE_INDEX/,
      );
    },
  );

  it.each(LAYER_NAMES)('%s: the engine container sets only variables the engine reads', (layer) => {
    const { objects, engine } = engineParts(layer);
    const names = containerEnvNames(objects, engine);
    expect(names.filter((name) => !(CONFIG_KEYS as readonly string[]).includes(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(LAYER_NAMES)(
    '%s: INSTANCE_INDEX is the pod index and secrets come from sentinel-secrets',
    (layer) => {
      const { engine, config } = engineParts(layer);
      expect(dig(envEntry(engine, 'INSTANCE_INDEX'), 'valueFrom', 'fieldRef', 'fieldPath')).toBe(
        "metadata.labels['apps.kubernetes.io/pod-index']",
      );
      for (const name of ['DATABASE_URL', 'API_KEYS', 'JWT_SECRET']) {
        expect(Object.keys(config)).not.toContain(name);
        expect(dig(envEntry(engine, name), 'valueFrom', 'secretKeyRef', 'name'), name).toBe(
          'sentinel-secrets',
        );
      }
      expect(dig(envEntry(engine, 'DATABASE_URL'), 'valueFrom', 'secretKeyRef', 'optional')).toBeUndefined();
    },
  );

  it.each(LAYER_NAMES)('%s: probes, port and scrape annotations point at the engine endpoints', (layer) => {
    const { statefulSet, engine, config } = engineParts(layer);
    expect(arrayAt(engine, 'ports')).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(config.HTTP_PORT ?? '8000').toBe('8000');
    expect(probePath(engine, 'livenessProbe')).toBe('/health');
    expect(probePath(engine, 'startupProbe')).toBe('/health');
    expect(probePath(engine, 'readinessProbe')).toBe('/health/ready');
    expect(dig(statefulSet, 'spec', 'template', 'metadata', 'annotations')).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
    expect(dig(statefulSet, 'spec', 'podManagementPolicy')).toBe('Parallel');
    expect(dig(engine, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
    expect(dig(podSpec(statefulSet), 'securityContext', 'runAsNonRoot')).toBe(true);
  });

  it.each(LAYER_NAMES)(
    '%s: memory limit and grace period agree with the alert rules and SHUTDOWN_TIMEOUT',
    (layer) => {
      const { statefulSet, engine, config } = engineParts(layer);
      const limitBytes = quantityBytes(dig(engine, 'resources', 'limits', 'memory'));
      const requestBytes = quantityBytes(dig(engine, 'resources', 'requests', 'memory'));
      expect(requestBytes).toBeLessThanOrEqual(limitBytes);
      for (const name of ['SentinelWindowMemoryNearLimit', 'SentinelHighMemoryUsage']) {
        const rule = alertRules().find((candidate) => candidate.alert === name);
        expect(rule?.expr, name).toContain(`* ${limitBytes}`);
      }
      const graceSeconds = numberAt(podSpec(statefulSet), 'terminationGracePeriodSeconds') ?? 30;
      expect(parseDurationMs('SHUTDOWN_TIMEOUT', config.SHUTDOWN_TIMEOUT ?? '30s')).toBeLessThan(
        graceSeconds * 1000,
      );
    },
  );

  it.each(LAYER_NAMES)(
    '%s: Services, PodDisruptionBudget and NetworkPolicy select the engine pods',
    (layer) => {
      const { objects, statefulSet } = engineParts(layer);
      const labels = podLabels(statefulSet);
      for (const key of [`Service/${ENGINE}`, `Service/${ENGINE}-headless`]) {
        const spec = objectAt(getObject(objects, key), 'spec');
        expect(matches(spec.selector, labels), key).toBe(true);
        expect(arrayAt(spec, 'ports').map((port) => dig(port, 'port'))).toEqual([8000]);
      }
      expect(dig(statefulSet, 'spec', 'serviceName')).toBe(`${ENGINE}-headless`);
      const pdb = objectAt(getObject(objects, `PodDisruptionBudget/${ENGINE}`), 'spec');
      expect(matches(dig(pdb, 'selector', 'matchLabels'), labels)).toBe(true);
      const policy = objectAt(getObject(objects, `NetworkPolicy/${ENGINE}`), 'spec');
      expect(matches(dig(policy, 'podSelector', 'matchLabels'), labels)).toBe(true);
    },
  );

  it.each(LAYER_NAMES)(
    '%s: the NetworkPolicy admits only 8000 in and NATS, Postgres and DNS out',
    (layer) => {
      const policy = objectAt(getObject(objectsOf(layer), `NetworkPolicy/${ENGINE}`), 'spec');
      expect(arrayAt(policy, 'policyTypes')).toEqual(['Ingress', 'Egress']);
      const portsOf = (rules: Json[]) =>
        rules.flatMap((rule) => arrayAt(rule, 'ports').map((port) => dig(port, 'port')));
      const ingress = arrayAt(policy, 'ingress');
      expect(new Set(portsOf(ingress))).toEqual(new Set([8000]));
      const sources = ingress.flatMap((rule) =>
        arrayAt(rule, 'from').map((peer) =>
          dig(peer, 'namespaceSelector', 'matchLabels', 'kubernetes.io/metadata.name'),
        ),
      );
      expect(sources.sort()).toEqual(['ingress-nginx', 'monitoring']);
      expect(new Set(portsOf(arrayAt(policy, 'egress')))).toEqual(new Set([4222, 5432, 53]));
      const natsRule = arrayAt(policy, 'egress').find((rule) => portsOf([rule]).includes(4222));
      const natsPods = podLabels(getObject(objectsOf(layer), 'StatefulSet/nats'));
      expect(matches(dig(arrayAt(natsRule, 'to')[0], 'podSelector', 'matchLabels'), natsPods)).toBe(true);
    },
  );

  it.each(LAYER_NAMES)(
    '%s: a 3-node NATS JetStream cluster whose config is valid and partitions like the engine',
    (layer) => {
      const { objects, config } = engineParts(layer);
      const nats = getObject(objects, 'StatefulSet/nats');
      expect(dig(nats, 'spec', 'replicas')).toBe(3);
      const natsConf = configMapData(objects, 'nats-config')['nats.conf'] ?? '';
      const routes = [
        ...natsConf.matchAll(
          /nats:\/\/(nats-\d)\.nats-headless\.anti-call-masking\.svc\.cluster\.local:6222/g,
        ),
      ];
      expect(routes.map((route) => route[1])).toEqual(['nats-0', 'nats-1', 'nats-2']);
      expect(partitionMappingCount(natsConf)).toBe(Number(config.PARTITIONS));
      expect(config.NATS_URL).toBe('nats://nats:4222');
      expect(getObject(objects, 'Service/nats')).toBeDefined();
      expect(natsConfigProblems(natsConf, { SERVER_NAME: 'nats-0' })).toEqual([]);
    },
  );

  it('the production overlay pins an image from a registry and exposes only the API through ingress-nginx', () => {
    const { engine } = engineParts('production');
    expect(stringAt(engine, 'image')).toMatch(/^[\w.-]+\.[\w.-]+\/.+:\d+\.\d+\.\d+$/);
    const ingress = objectAt(getObject(objectsOf('production'), `Ingress/${ENGINE}`), 'spec');
    expect(stringAt(ingress, 'ingressClassName')).toBe('nginx');
    const paths = arrayAt(ingress, 'rules').flatMap((rule) => arrayAt(dig(rule, 'http'), 'paths'));
    expect(paths.map((path) => dig(path, 'path')).sort()).toEqual(['/api/v1/sentinel', '/health']);
  });
});
