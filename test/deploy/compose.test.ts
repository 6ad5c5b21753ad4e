/**
 * deploy/docker-compose.yaml cannot be started here (no Docker daemon), so these checks hold it to what
 * the engine and the other files expect: engine env vars, partition split, mounts, targets, shutdown.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig, parseDurationMs } from '../../src/config/index.js';
import {
  DEPLOY_DIR,
  arrayAt,
  dig,
  isObject,
  loadYamlObject,
  objectAt,
  readRepoFile,
  repoPath,
  stringAt,
  type Json,
} from './deploy-files.js';
import { partitionMappingCount } from './nats-config.js';

const compose = loadYamlObject(join(DEPLOY_DIR, 'docker-compose.yaml'));
const services = objectAt(compose, 'services');

/** Compose's `${NAME:-default}` with the defaults, as a fresh `docker compose up` would see it. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{(\w+)(?::?-([^}]*))?\}/g,
    (_match, _name: string, fallback: string | undefined) => fallback ?? '',
  );
}

function environment(service: Json | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(objectAt(service, 'environment'))) {
    env[key] = interpolate(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return env;
}

const engineNames = Object.keys(services).filter(
  (name) => dig(services[name], 'build', 'dockerfile') === 'deploy/Dockerfile',
);

describe('docker compose stack', () => {
  it('has NATS, Postgres, Prometheus, Grafana and engine replicas built from deploy/Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['engine-0', 'engine-1', 'grafana', 'nats', 'postgres', 'prometheus'].sort(),
    );
    expect(engineNames).toEqual(['engine-0', 'engine-1']);
    for (const name of engineNames) {
      expect(dig(services[name], 'build', 'context')).toBe('..');
      expect(existsSync(repoPath('deploy/Dockerfile'))).toBe(true);
    }
  });

  it("engine replicas set only variables the engine reads, and each one's config validates", () => {
    const indexes: number[] = [];
    for (const name of engineNames) {
      const env = environment(services[name]);
      expect(
        Object.keys(env).filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key)),
        name,
      ).toEqual([]);
      const config = loadConfig(env);
      expect(config.instanceCount, name).toBe(engineNames.length);
      indexes.push(config.instanceIndex);
      expect(config.natsUrl).toBe('nats://nats:4222');
      expect(config.environment).toBe('production');
      expect(config.auth.apiKeyHashes.length, `${name} needs a credential in production`).toBeGreaterThan(0);
    }
    expect(indexes.sort()).toEqual(engineNames.map((_name, i) => i));
  });

  it('the demo API key the docs give matches the hash the stack accepts', () => {
    const env = environment(services['engine-0']);
    const demoHash = createHash('sha256').update('sentinel-demo-key').digest('hex');
    expect(env.API_KEYS).toBe(`demo:${demoHash}`);
    expect(readRepoFile('docs/deploy.md')).toContain('X-API-Key: sentinel-demo-key');
  });

  it('points the engine at the Postgres service with its credentials and database', () => {
    const postgres = environment(services.postgres);
    const url = new URL(environment(services['engine-0']).DATABASE_URL ?? '');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(url.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
  });

  it('NATS runs the repository config, whose partition mapping matches PARTITIONS', () => {
    const volumes = arrayAt(services.nats, 'volumes');
    expect(volumes).toContain('./nats/nats-server.conf:/etc/nats/nats-server.conf:ro');
    const command = arrayAt(services.nats, 'command');
    expect(command.slice(-1)).toEqual(['/etc/nats/nats-server.conf']);
    const mapping = partitionMappingCount(readRepoFile('deploy/nats/nats-server.conf'));
    for (const name of engineNames)
      expect(String(mapping), name).toBe(environment(services[name]).PARTITIONS);
  });

  it('mounts only files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of arrayAt(service, 'volumes')) {
        if (typeof volume !== 'string' || !volume.startsWith('./')) continue;
        const hostPath = join(DEPLOY_DIR, volume.split(':')[0]!);
        expect(existsSync(hostPath), `${name}: ${volume}`).toBe(true);
      }
    }
  });

  it('Prometheus scrapes every engine replica and nothing else under sentinel-engine', () => {
    const prometheus = loadYamlObject(repoPath('deploy/prometheus/prometheus.yml'));
    const job = arrayAt(prometheus, 'scrape_configs').find(
      (candidate) => stringAt(candidate, 'job_name') === 'sentinel-engine',
    );
    const targets = arrayAt(job, 'static_configs').flatMap((entry) => arrayAt(entry, 'targets'));
    expect(targets).toEqual(engineNames.map((name) => `${name}:8000`));
  });

  it('stops engines gracefully: tini, SIGTERM, a grace period longer than SHUTDOWN_TIMEOUT, health-gated start', () => {
    for (const name of engineNames) {
      const service = services[name];
      expect(dig(service, 'init'), name).toBe(true);
      const grace = parseDurationMs('stop_grace_period', stringAt(service, 'stop_grace_period') ?? '10s');
      const shutdown = parseDurationMs('SHUTDOWN_TIMEOUT', environment(service).SHUTDOWN_TIMEOUT ?? '30s');
      expect(shutdown, name).toBeLessThan(grace);
      const dependsOn = objectAt(service, 'depends_on');
      for (const dependency of ['nats', 'postgres']) {
        expect(dig(dependsOn, dependency, 'condition'), `${name} → ${dependency}`).toBe('service_healthy');
        expect(isObject(dig(services[dependency], 'healthcheck')), dependency).toBe(true);
      }
    }
  });
});
