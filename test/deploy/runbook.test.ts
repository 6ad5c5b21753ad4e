/**
 * docs/runbook.md: every link lands on a heading, and every command names things that exist — metrics the
 * engine exports, variables it reads, CLI commands and flags it accepts, API routes it serves, Kubernetes
 * objects and Compose services deploy/ defines, streams and consumers it creates, tables its migrations make.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../src/config/index.js';
import { STREAM_NAMES } from '../../src/engine/index.js';
import { partitionConsumerName, partitionStreamName } from '../../src/stream/index.js';
import { METRIC_CATALOG } from '../../src/metrics/index.js';
import { dig, loadYamlObject, objectAt, readRepoFile, repoPath, stringAt } from './deploy-files.js';
import { renderKustomization } from './kustomize-render.js';
import { headingAnchors } from './markdown-text.js';
import { exportedSeriesNames } from './prometheus-rules.js';
import {
  apiRoutePatterns,
  cliUses,
  composeServices,
  httpPaths,
  kubernetesRefs,
  matchesRoute,
  metricTokens,
  natsBuckets,
  natsRefs,
  runbookCode,
  sqlTables,
  upperSnakeTokens,
} from './runbook-commands.js';

const runbook = readRepoFile('docs/runbook.md');
const code = runbookCode(runbook).join('\n');
/** The engine's buckets under their default names, and the JetStream streams that back them. */
const DEFAULTS = loadConfig({});
const BUCKETS = { kv: DEFAULTS.ownershipBucket, object: DEFAULTS.checkpointBucket };
const BUCKET_STREAMS = [`KV_${BUCKETS.kv}`, `OBJ_${BUCKETS.object}`];

function sourceText(dir: string): string {
  return readdirSync(repoPath(dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(join(repoPath(dir), name), 'utf8'))
    .join('\n');
}

describe('docs/runbook.md', () => {
  it('links only to headings that exist, here and in deploy.md', () => {
    const own = headingAnchors(runbook);
    for (const match of runbook.matchAll(/\]\(#([^)]+)\)/g)) expect(own, match[0]).toContain(match[1]);
    const deploy = headingAnchors(readRepoFile('docs/deploy.md'));
    for (const match of runbook.matchAll(/\]\(deploy\.md#([^)]+)\)/g))
      expect(deploy, match[0]).toContain(match[1]);
  });

  it('follows the seed shape: symptoms, diagnosis, resolution and escalation for each incident', () => {
    for (const section of [
      'Service down',
      'High ingestion error rate and dead-letter growth',
      'Slow detection or growing lag',
      'Database problems',
      'Alert backlog',
    ]) {
      const start = runbook.indexOf(`\n## ${section}\n`);
      const body = runbook.slice(start, runbook.indexOf('\n## ', start + 1));
      expect(start, section).toBeGreaterThan(0);
      for (const part of ['### Symptoms', '### Diagnosis', '### Escalation'])
        expect(body, `${section}: ${part}`).toContain(part);
      expect(body, `${section}: resolution`).toMatch(/### (Causes and resolution|Resolution)/);
    }
  });

  it('uses only metrics the engine exports', () => {
    // Series names, and the base names of histograms that prose refers to.
    const exported = new Set([...exportedSeriesNames(), ...METRIC_CATALOG.map((spec) => spec.name)]);
    const names = metricTokens(code);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('uses only environment variables the engine reads (or shell variables it sets itself)', () => {
    const { used, assigned } = upperSnakeTokens(code);
    const known = new Set<string>([
      ...CONFIG_KEYS,
      ...assigned,
      ...Object.values(STREAM_NAMES),
      ...Array.from({ length: 16 }, (_unused, p) => partitionStreamName(STREAM_NAMES.cdr, p)),
      ...Object.values(BUCKETS),
      ...BUCKET_STREAMS,
    ]);
    expect(used.length).toBeGreaterThan(20);
    expect([...new Set(used.filter((name) => !known.has(name)))]).toEqual([]);
  });

  it('runs sentinel CLI commands and flags that exist', () => {
    const cli = readRepoFile('src/cli/sentinel.ts');
    const commands = new Set([...cli.matchAll(/case '([a-z]+)':/g)].map((match) => match[1]));
    const flagSource = sourceText('src/cli');
    const uses = cliUses(code);
    expect(uses.length).toBeGreaterThan(5);
    for (const use of uses) {
      expect(commands, use.command).toContain(use.command);
      if (use.command === 'dlq') expect(['list', 'replay']).toContain(use.sub);
      for (const flag of use.flags) expect(flagSource, `${use.command} ${flag}`).toContain(flag);
    }
  });

  it('calls API routes the engine serves', () => {
    const { prefixed, root } = apiRoutePatterns();
    const paths = httpPaths(code);
    expect(paths.length).toBeGreaterThan(15);
    for (const path of paths) {
      const patterns = path.startsWith('/api/v1/sentinel') ? prefixed : root;
      expect(matchesRoute(path, patterns), path).toBe(true);
    }
  });

  it('names Kubernetes objects and pods the manifests define', () => {
    const objects = renderKustomization(repoPath('deploy/k8s/base'));
    // Only StatefulSet pods have names a runbook can know in advance (nats-0 …); engine pods are `$POD`.
    const replicas = (name: string) =>
      Number(dig(objects.get(`StatefulSet/${name}`), 'spec', 'replicas') ?? 0);
    const refs = kubernetesRefs(code);
    expect(refs.length).toBeGreaterThan(10);
    for (const { kind, name } of refs) {
      if (kind !== 'Pod') {
        expect(objects.has(`${kind}/${name}`), `${kind}/${name}`).toBe(true);
        continue;
      }
      const match = /^(.+)-(\d+)$/.exec(name);
      expect(match, name).not.toBeNull();
      expect(Number(match?.[2]), name).toBeLessThan(replicas(match?.[1] ?? ''));
    }
    for (const match of code.matchAll(/kubectl [^\n]*? -n (\S+)/g))
      expect(match[1], match[0]).toBe('anti-call-masking');
    expect(code).toContain('-l app=sentinel-engine');
    expect(stringAt(objectAt(objects.get('Deployment/sentinel-engine'), 'metadata'), 'name')).toBe(
      'sentinel-engine',
    );
    expect(code).toContain('deploy/sentinel-engine');
  });

  it('names Compose services that exist', () => {
    const services = Object.keys(
      objectAt(loadYamlObject(repoPath('deploy/docker-compose.yaml')), 'services'),
    );
    const used = composeServices(code);
    expect(used.length).toBeGreaterThan(3);
    for (const service of used) expect(services, service).toContain(service);
  });

  it('names the streams and consumers the engine creates', () => {
    const refs = natsRefs(code);
    expect(refs.length).toBeGreaterThan(3);
    const partitions = 16;
    const consumers = Array.from({ length: partitions }, (_unused, p) =>
      partitionConsumerName('sentinel', p),
    );
    for (const ref of refs) {
      expect([...Object.values(STREAM_NAMES), ...BUCKET_STREAMS], ref.stream).toContain(ref.stream);
      if (ref.consumer !== undefined) expect(consumers, ref.consumer).toContain(ref.consumer);
    }
  });

  it('names the lease and checkpoint buckets the engine creates', () => {
    const buckets = natsBuckets(code);
    expect(buckets.map((ref) => ref.kind).sort()).toEqual(expect.arrayContaining(['kv', 'object']));
    for (const ref of buckets) expect(ref.bucket, `nats ${ref.kind}`).toBe(BUCKETS[ref.kind]);
    // The key layout the runbook shows is the store's (<group>.partition.<p>).
    for (const match of code.matchAll(/nats kv [a-z]+ \S+ (\S+)/g))
      expect(match[1], match[0]).toMatch(/^sentinel\.(partition\.\d+|member\.\S+)$/);
  });

  it('queries tables the migrations create (or Postgres catalogs and day partitions)', () => {
    const migrations = sourceText('src/sinks/migrations') + readRepoFile('src/sinks/migrate.ts');
    const tables = sqlTables(code);
    expect(tables.length).toBeGreaterThan(8);
    for (const table of tables) {
      if (table.startsWith('pg_') || /^call_records_\d{8}$/.test(table)) continue;
      expect(migrations, table).toMatch(new RegExp(`CREATE TABLE (IF NOT EXISTS )?${table} `));
    }
  });
});
