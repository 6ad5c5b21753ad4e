/**
 * A JetStream cluster of real nats-server processes on loopback, for the chaos tests and the takeover bench.
 *
 * Each node has its own client, route and monitoring port and its own store folder under one temp folder. The
 * config is nats-server 2.9's clustered JetStream: a `server_name` per node (JetStream identifies peers by
 * it), a `cluster` block with a shared `name`, the node's route listener and explicit routes to every node
 * (including itself, which the server ignores — the RAFT quorum size comes from the configured routes), and a
 * `jetstream` block with the store folder. No domain: one cluster, one meta group.
 *
 * "Formed" means what a client needs before it creates streams: every running node names the same meta
 * leader, the cluster size is the configured one, the leader reports every other running node as a current
 * peer, and each running node has a route to every other running node. `killNode` / `stopNode` take one node
 * down; `restartNode` starts it again on its ports and store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, findNatsServerBinary, NatsServerMissingError } from '../../src/embedded/index.js';

export interface NatsClusterNode {
  /** `server_name`, e.g. `n1`: what JetStream reports as a stream's leader. */
  name: string;
  clientPort: number;
  routePort: number;
  monitorPort: number;
  url: string;
}

export interface NatsCluster {
  nodes: readonly NatsClusterNode[];
  /** Every node's client URL, comma separated: what NATS_URL gets. */
  natsUrl: string;
  servers: string[];
  running(name: string): boolean;
  /** SIGKILL: no goodbye to the routes or the RAFT groups. */
  killNode(name: string): Promise<void>;
  /** SIGTERM, waiting for the process to exit. */
  stopNode(name: string): Promise<void>;
  /** Starts a stopped node on its ports and store, and waits until the cluster is formed again. */
  restartNode(name: string): Promise<void>;
  /** Resolves when the running nodes agree on a meta leader that sees every other running node as current. */
  waitUntilFormed(timeoutMs?: number): Promise<void>;
  /** The last output of a node (its log goes to stderr), for failure messages. */
  output(name: string): string;
  stop(): Promise<void>;
}

interface MetaCluster {
  name?: string;
  leader?: string;
  cluster_size?: number;
  replicas?: { name: string; current: boolean }[];
}

const FORM_TIMEOUT_MS = 30_000;

function nodeConfig(
  node: NatsClusterNode,
  all: readonly NatsClusterNode[],
  clusterName: string,
  storeDir: string,
) {
  const routes = all.map((other) => `"nats-route://127.0.0.1:${other.routePort}"`).join(', ');
  return [
    `server_name: ${node.name}`,
    `listen: "127.0.0.1:${node.clientPort}"`,
    `http: "127.0.0.1:${node.monitorPort}"`,
    `jetstream { store_dir: "${storeDir}" }`,
    `cluster {`,
    `  name: ${clusterName}`,
    `  listen: "127.0.0.1:${node.routePort}"`,
    `  routes: [ ${routes} ]`,
    `}`,
    '',
  ].join('\n');
}

async function monitor<T>(node: NatsClusterNode, path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.monitorPort}${path}`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export async function startNatsCluster(options: { size?: number; name?: string } = {}): Promise<NatsCluster> {
  const binary = findNatsServerBinary(process.env.PATH);
  if (binary === undefined) throw new NatsServerMissingError();
  const size = options.size ?? 3;
  const clusterName = options.name ?? 'sentinel-chaos';
  const root = mkdtempSync(join(tmpdir(), 'sentinel-nats-cluster-'));
  chmodSync(root, 0o755);
  const nodes: NatsClusterNode[] = [];
  for (let index = 1; index <= size; index++) {
    const clientPort = await findFreePort();
    nodes.push({
      name: `n${index}`,
      clientPort,
      routePort: await findFreePort(),
      monitorPort: await findFreePort(),
      url: `nats://127.0.0.1:${clientPort}`,
    });
  }
  const children = new Map<string, ChildProcess>();
  const outputs = new Map<string, string>();
  /** Nodes taken down on purpose: not running is expected of them. */
  const halted = new Set<string>();

  const nodeNamed = (name: string): NatsClusterNode => {
    const node = nodes.find((candidate) => candidate.name === name);
    if (node === undefined)
      throw new Error(`no node ${name} in the cluster (${nodes.map((n) => n.name).join(', ')})`);
    return node;
  };
  const running = (name: string): boolean => {
    const child = children.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const launch = (node: NatsClusterNode): void => {
    const dir = join(root, node.name);
    mkdirSync(join(dir, 'store'), { recursive: true });
    const configFile = join(dir, 'nats.conf');
    writeFileSync(configFile, nodeConfig(node, nodes, clusterName, join(dir, 'store')));
    const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    halted.delete(node.name);
    outputs.set(node.name, '');
    child.stderr?.on('data', (chunk: Buffer) => {
      outputs.set(node.name, ((outputs.get(node.name) ?? '') + chunk.toString()).slice(-8_000));
    });
    children.set(node.name, child);
  };
  const halt = async (name: string, signal: NodeJS.Signals): Promise<void> => {
    const child = children.get(name);
    halted.add(name);
    if (child === undefined || !running(name)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const formed = async (): Promise<string | undefined> => {
    const up = nodes.filter((node) => running(node.name));
    const metas = await Promise.all(up.map((node) => monitor<{ meta_cluster?: MetaCluster }>(node, '/jsz')));
    const leaders = new Set(metas.map((jsz) => jsz?.meta_cluster?.leader ?? ''));
    const [leader] = leaders;
    if (leaders.size !== 1 || leader === undefined || leader === '') return 'no agreed meta leader';
    if (metas.some((jsz) => jsz?.meta_cluster?.cluster_size !== size)) return `cluster size is not ${size}`;
    if (!running(leader)) return `meta leader ${leader} is not running`;
    const leaderView = await monitor<{ meta_cluster?: MetaCluster }>(
      nodeNamed(leader),
      '/jsz?leader-only=true',
    );
    const current = new Set(
      (leaderView?.meta_cluster?.replicas ?? []).filter((peer) => peer.current).map((peer) => peer.name),
    );
    const lagging = up.filter((node) => node.name !== leader && !current.has(node.name));
    if (lagging.length > 0) return `peers not current: ${lagging.map((node) => node.name).join(', ')}`;
    const routes = await Promise.all(up.map((node) => monitor<{ num_routes?: number }>(node, '/routez')));
    if (routes.some((routez) => (routez?.num_routes ?? 0) < up.length - 1)) return 'routes not all connected';
    return undefined;
  };

  const waitUntilFormed = async (timeoutMs = FORM_TIMEOUT_MS): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let why: string | undefined = 'not checked';
    while (Date.now() < deadline) {
      const dead = nodes.find((node) => !halted.has(node.name) && !running(node.name));
      if (dead !== undefined)
        throw new Error(`nats-server ${dead.name} exited: ${outputs.get(dead.name) ?? ''}`);
      why = await formed();
      if (why === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = nodes.map((node) => `--- ${node.name}\n${(outputs.get(node.name) ?? '').slice(-1_500)}`);
    throw new Error(`the NATS cluster did not form within ${timeoutMs} ms (${why})\n${logs.join('\n')}`);
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => halt(node.name, 'SIGTERM')));
    rmSync(root, { recursive: true, force: true });
  };

  for (const node of nodes) launch(node);
  try {
    await waitUntilFormed();
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    nodes,
    servers: nodes.map((node) => node.url),
    natsUrl: nodes.map((node) => node.url).join(','),
    running,
    killNode: (name) => halt(nodeNamed(name).name, 'SIGKILL'),
    stopNode: (name) => halt(nodeNamed(name).name, 'SIGTERM'),
    async restartNode(name) {
      const node = nodeNamed(name);
      if (running(name)) throw new Error(`node ${name} is still running`);
      launch(node);
      await waitUntilFormed();
    },
    waitUntilFormed,
    output: (name) => outputs.get(name) ?? '',
    stop: stopAll,
  };
}
