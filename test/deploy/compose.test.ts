/**
 * deploy/docker-compose.yaml cannot be started here (no Docker daemon), so these checks hold it to what
 * the engine and the other files expect: engine env vars, `--scale engine=N` (nothing per replica), mounts,
 * scrape targets, shutdown.
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

const engine = services.engine;

describe('docker compose stack', () => {
  it('has NATS, Postgres, Prometheus, Grafana and one engine service built from deploy/Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['engine', 'grafana', 'nats', 'postgres', 'prometheus']);
    expect(engineNames).toEqual(['engine']);
    expect(dig(engine, 'build', 'context')).toBe('..');
    expect(existsSync(repoPath('deploy/Dockerfile'))).toBe(true);
  });

  it('scales with --scale engine=N: no container name, no fixed host port, no volume, nothing per replica', () => {
    expect(dig(engine, 'container_name')).toBeUndefined();
    expect(dig(engine, 'hostname')).toBeUndefined();
    // A container port alone: Docker picks a free host port for each replica.
    const ports = arrayAt(engine, 'ports');
    expect(ports).toEqual(['8000']);
    expect(arrayAt(engine, 'volumes')).toEqual([]);
    expect(Object.keys(objectAt(compose, 'volumes')).filter((name) => name.includes('engine'))).toEqual([]);
    const env = environment(engine);
    for (const key of ['INSTANCE_INDEX', 'INSTANCE_COUNT', 'INSTANCE_NAME'])
      expect(Object.keys(env)).not.toContain(key);
  });

  it('sets only variables the engine reads, and the config every replica gets validates', () => {
    const env = environment(engine);
    expect(Object.keys(env).filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key))).toEqual([]);
    // Each replica names itself after its container's host name (unique per container).
    const config = loadConfig({ ...env, INSTANCE_NAME: '3f9c2a7be1d4' });
    expect(config.natsUrl).toBe('nats://nats:4222');
    expect(config.environment).toBe('production');
    expect(config.auth.apiKeyHashes.length, 'production needs a credential').toBeGreaterThan(0);
    // Checkpoints in NATS, where whichever replica takes a partition over finds them.
    expect(config.checkpointStore).toBe('nats');
    // One NATS node: one copy of everything, and the runbook must not claim more.
    expect(config.streamReplicas).toBe(1);
    // A demo day from every replica would be published N times: off unless asked for.
    expect(config.demo).toBe(false);
  });

  it('the demo API key the docs give matches the hash the stack accepts', () => {
    const env = environment(engine);
    const demoHash = createHash('sha256').update('sentinel-demo-key').digest('hex');
    expect(env.API_KEYS).toBe(`demo:${demoHash}:admin`);
    expect(readRepoFile('docs/deploy.md')).toContain('X-API-Key: sentinel-demo-key');
  });

  it('points the engine at the Postgres service with its credentials and database', () => {
    const postgres = environment(services.postgres);
    const url = new URL(environment(engine).DATABASE_URL ?? '');
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
    expect(String(mapping)).toBe(environment(engine).PARTITIONS);
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

  it('Prometheus finds every engine replica through the service name, on the engine port', () => {
    const prometheus = loadYamlObject(repoPath('deploy/prometheus/prometheus.yml'));
    const job = arrayAt(prometheus, 'scrape_configs').find(
      (candidate) => stringAt(candidate, 'job_name') === 'sentinel-engine',
    );
    expect(arrayAt(job, 'static_configs')).toEqual([]);
    const discovery = arrayAt(job, 'dns_sd_configs');
    expect(discovery).toHaveLength(1);
    expect(arrayAt(discovery[0], 'names')).toEqual(engineNames);
    expect(dig(discovery[0], 'type')).toBe('A');
    expect(dig(discovery[0], 'port')).toBe(Number(environment(engine).HTTP_PORT ?? '8000'));
  });

  it('stops engines gracefully: tini, SIGTERM, a grace period past the shutdown deadline, health-gated start', () => {
    expect(dig(engine, 'init')).toBe(true);
    const grace = parseDurationMs('stop_grace_period', stringAt(engine, 'stop_grace_period') ?? '10s');
    const shutdown = parseDurationMs('SHUTDOWN_TIMEOUT', environment(engine).SHUTDOWN_TIMEOUT ?? '30s');
    // `sentinel start` exits at the latest 10 s after SHUTDOWN_TIMEOUT (src/cli/start-command.ts).
    expect(shutdown + 10_000).toBeLessThan(grace);
    const dependsOn = objectAt(engine, 'depends_on');
    for (const dependency of ['nats', 'postgres']) {
      expect(dig(dependsOn, dependency, 'condition'), dependency).toBe('service_healthy');
      expect(isObject(dig(services[dependency], 'healthcheck')), dependency).toBe(true);
    }
  });
});
