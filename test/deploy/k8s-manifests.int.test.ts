/**
 * deploy/k8s: the kustomize base and production overlay render, pass the Kubernetes schemas, and agree with
 * the engine (env vars it reads, ports and probe paths, elastic partition ownership, NATS replication, the
 * shutdown deadline, memory the alert rules assume).
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
  const deployment = getObject(objects, `Deployment/${ENGINE}`);
  return {
    objects,
    deployment,
    engine: container(deployment, ENGINE),
    config: configMapData(objects, 'sentinel-config'),
  };
}

/** What a pod of the Deployment is named: `<deployment>-<template hash>-<suffix>`. */
const POD_NAME = `${ENGINE}-5d4f7c9b8-x2k4p`;
const SECRETS = { DATABASE_URL: 'postgres://sentinel:secret@db:5432/sentinel' };
/** `sentinel start` exits this long after SHUTDOWN_TIMEOUT at the latest (src/cli/start-command.ts). */
const SHUTDOWN_LAST_RESORT_MS = 10_000;

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
    const broken = structuredClone(getObject(objectsOf('base'), `Deployment/${ENGINE}`));
    const brokenEngine = container(broken, ENGINE);
    brokenEngine.readinesProbe = brokenEngine.readinessProbe ?? null;
    expect(schemaErrors([broken])).toEqual([]);
    const errors = typeErrors([...objects, broken]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Deployment\/sentinel-engine: .*readinesProbe.*IContainer/);
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
    '%s: an HPA that really scales the Deployment, between 2 and PARTITIONS pods, slowly down',
    (layer) => {
      const { objects, deployment, config } = engineParts(layer);
      const hpa = objectAt(getObject(objects, `HorizontalPodAutoscaler/${ENGINE}`), 'spec');
      expect(dig(hpa, 'scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: ENGINE });
      const min = numberAt(hpa, 'minReplicas') ?? 1;
      const max = numberAt(hpa, 'maxReplicas') ?? 0;
      // A crash leaves a pod to take the partitions over; a pod beyond PARTITIONS would own nothing.
      expect(min).toBeGreaterThanOrEqual(2);
      expect(min).toBeLessThan(max);
      expect(max).toBeLessThanOrEqual(Number(config.PARTITIONS));
      const resources = arrayAt(hpa, 'metrics').map((metric) => dig(metric, 'resource', 'name'));
      expect(resources).toContain('cpu');
      // Each scale-in is a round of hand-offs: never more than one pod at a time, after a quiet spell.
      expect(numberAt(dig(hpa, 'behavior', 'scaleDown'), 'stabilizationWindowSeconds')).toBeGreaterThan(0);
      expect(arrayAt(dig(hpa, 'behavior', 'scaleDown'), 'policies')).toEqual([
        { type: 'Pods', value: 1, periodSeconds: 300 },
      ]);
      // The HPA owns the pod count: a count in the Deployment would reset it at every apply.
      expect(dig(deployment, 'spec', 'replicas')).toBeUndefined();
      expect(dig(deployment, 'spec', 'strategy')).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
    },
  );

  it.each(LAYER_NAMES)(
    '%s: every pod gets the same valid config, named after the pod, with no static ownership left',
    (layer) => {
      const { config } = engineParts(layer);
      for (const key of ['INSTANCE_INDEX', 'INSTANCE_COUNT']) expect(Object.keys(config)).not.toContain(key);
      const loaded = loadConfig({ ...config, ...SECRETS, INSTANCE_NAME: POD_NAME });
      expect(loaded.instanceName).toBe(POD_NAME);
      expect(loaded.environment).toBe('production');
      // Checkpoints where any pod can read them: pods need no volume, and a takeover restores.
      expect(loaded.checkpointStore).toBe('nats');
      expect(loaded.checkpointIntervalMs).toBeDefined();
      // The lease term and its renewal leave a pod several renewals before it loses a partition.
      expect(loaded.leaseTtlMs).toBeGreaterThanOrEqual(4_000);
      // A leftover static setting fails fast, naming itself.
      expect(() => loadConfig({ ...config, ...SECRETS, INSTANCE_INDEX: '0' })).toThrow(/INSTANCE_INDEX/);
    },
  );

  it.each(LAYER_NAMES)('%s: pods keep no state of their own: no claims, no persistent volumes', (layer) => {
    const { objects, deployment } = engineParts(layer);
    expect([...objects.keys()].filter((key) => key.startsWith('PersistentVolumeClaim/'))).toEqual([]);
    const volumes = arrayAt(podSpec(deployment), 'volumes');
    for (const volume of volumes)
      expect(Object.keys(volume as JsonObject).sort()).toEqual(['emptyDir', 'name']);
  });

  it.each(LAYER_NAMES)('%s: the engine container sets only variables the engine reads', (layer) => {
    const { objects, engine } = engineParts(layer);
    const names = containerEnvNames(objects, engine);
    expect(names.filter((name) => !(CONFIG_KEYS as readonly string[]).includes(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(LAYER_NAMES)(
    '%s: INSTANCE_NAME is the pod name and secrets come from sentinel-secrets',
    (layer) => {
      const { engine, config } = engineParts(layer);
      expect(dig(envEntry(engine, 'INSTANCE_NAME'), 'valueFrom', 'fieldRef', 'fieldPath')).toBe(
        'metadata.name',
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
    const { deployment, engine, config } = engineParts(layer);
    expect(arrayAt(engine, 'ports')).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(config.HTTP_PORT ?? '8000').toBe('8000');
    expect(probePath(engine, 'livenessProbe')).toBe('/health');
    expect(probePath(engine, 'startupProbe')).toBe('/health');
    expect(probePath(engine, 'readinessProbe')).toBe('/health/ready');
    expect(dig(deployment, 'spec', 'template', 'metadata', 'annotations')).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
    expect(dig(engine, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
    expect(dig(engine, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(dig(podSpec(deployment), 'securityContext', 'runAsNonRoot')).toBe(true);
  });

  it.each(LAYER_NAMES)(
    '%s: memory limit and grace period agree with the alert rules and the shutdown deadline',
    (layer) => {
      const { deployment, engine, config } = engineParts(layer);
      const limitBytes = quantityBytes(dig(engine, 'resources', 'limits', 'memory'));
      const requestBytes = quantityBytes(dig(engine, 'resources', 'requests', 'memory'));
      expect(requestBytes).toBeLessThanOrEqual(limitBytes);
      for (const name of ['SentinelWindowMemoryNearLimit', 'SentinelHighMemoryUsage']) {
        const rule = alertRules().find((candidate) => candidate.alert === name);
        expect(rule?.expr, name).toContain(`* ${limitBytes}`);
      }
      // SIGTERM hands every partition off; the process is gone at SHUTDOWN_TIMEOUT plus its last resort,
      // which must come before SIGKILL.
      const graceSeconds = numberAt(podSpec(deployment), 'terminationGracePeriodSeconds') ?? 30;
      const shutdownMs = parseDurationMs('SHUTDOWN_TIMEOUT', config.SHUTDOWN_TIMEOUT ?? '30s');
      expect(shutdownMs + SHUTDOWN_LAST_RESORT_MS).toBeLessThan(graceSeconds * 1000);
    },
  );

  it.each(LAYER_NAMES)(
    '%s: Services, PodDisruptionBudget and NetworkPolicy select the engine pods',
    (layer) => {
      const { objects, deployment } = engineParts(layer);
      const labels = podLabels(deployment);
      expect(matches(dig(deployment, 'spec', 'selector', 'matchLabels'), labels)).toBe(true);
      const spec = objectAt(getObject(objects, `Service/${ENGINE}`), 'spec');
      expect(matches(spec.selector, labels)).toBe(true);
      expect(arrayAt(spec, 'ports').map((port) => dig(port, 'port'))).toEqual([8000]);
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
    '%s: a 3-node NATS JetStream cluster whose config is valid, partitions like the engine, and holds 3 copies',
    (layer) => {
      const { objects, config } = engineParts(layer);
      const nats = getObject(objects, 'StatefulSet/nats');
      expect(dig(nats, 'spec', 'replicas')).toBe(3);
      // Streams, the lease bucket and the checkpoint bucket get one copy per node.
      expect(loadConfig({ ...config, ...SECRETS }).streamReplicas).toBe(3);
      const natsConf = configMapData(objects, 'nats-config')['nats.conf'] ?? '';
      const routes = [
        ...natsConf.matchAll(
          /nats:\/\/(nats-\d)\.nats-headless\.anti-call-masking\.svc\.cluster\.local:6222/g,
        ),
      ];
      expect(routes.map((route) => route[1])).toEqual(['nats-0', 'nats-1', 'nats-2']);
      expect(partitionMappingCount(natsConf)).toBe(Number(config.PARTITIONS));
      // The engine is given every node, so it connects while any one of them is down.
      const servers = (config.NATS_URL ?? '').split(',');
      expect(servers).toEqual(
        ['nats-0', 'nats-1', 'nats-2'].map((pod) => `nats://${pod}.nats-headless:4222`),
      );
      expect(dig(getObject(objects, 'Service/nats-headless'), 'spec', 'publishNotReadyAddresses')).toBe(true);
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
