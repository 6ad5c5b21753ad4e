/**
 * Pulls what an operator would type out of docs/runbook.md — fenced code blocks and inline code — and the
 * things those commands name: metric names, environment variables, `sentinel` CLI commands and flags, API
 * paths, Kubernetes objects, Compose services, NATS streams and consumers, SQL tables. The runbook test
 * checks each against the engine's sources and the deploy manifests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from './deploy-files.js';
import { codeBlocks } from './markdown-text.js';

/**
 * Sections that name, on purpose, what no longer exists: retired alerts and metrics, and the upgrade away from
 * static ownership (its keys, the StatefulSet and the volumes it removes).
 */
const SECTIONS_ABOUT_WHAT_IS_GONE = ['## Retired alerts and metrics', '## Upgrading from static ownership'];

/** Every piece of code in the runbook outside the sections about what is gone. */
export function runbookCode(markdown: string): string[] {
  let live = markdown;
  for (const heading of SECTIONS_ABOUT_WHAT_IS_GONE) {
    const at = live.indexOf(`${heading}\n`);
    if (at < 0) continue;
    const nextAt = live.indexOf('\n## ', at + 1);
    live = live.slice(0, at) + (nextAt < 0 ? '' : live.slice(nextAt));
  }
  const blocks = codeBlocks(live);
  const withoutBlocks = live.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  const inline = [...withoutBlocks.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
  return [...blocks, ...inline];
}

/** Metric names, with grep alternations such as `^sentinel_window_(bytes|events)` expanded. */
export function metricTokens(code: string): string[] {
  const names: string[] = [];
  const alternation = /\b((?:sentinel|process|nodejs)_[a-z0-9_]*)\(([a-z0-9_|]+)\)([a-z0-9_]*)/g;
  for (const match of code.matchAll(alternation)) {
    for (const option of match[2]!.split('|')) names.push(`${match[1]}${option}${match[3]}`);
  }
  const plain = code.replace(alternation, ' ');
  for (const match of plain.matchAll(/\b(?:sentinel|process|nodejs)_[a-z0-9_]+\b/g)) names.push(match[0]);
  return names;
}

/** UPPER_SNAKE words (environment variables, stream names) and the shell variables the runbook assigns. */
export function upperSnakeTokens(code: string): { used: string[]; assigned: string[] } {
  const used = [...code.matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/g)].map((match) => match[0]);
  const assigned = [...code.matchAll(/^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!);
  return { used, assigned };
}

export interface CliUse {
  command: string;
  sub: string | undefined;
  flags: string[];
}

/** `node dist/src/cli/sentinel.js <command> [sub] [--flags]` invocations. */
export function cliUses(code: string): CliUse[] {
  return [...code.matchAll(/sentinel\.js ([a-z]+)(?: ([a-z]+))?([^\n]*)/g)].map((match) => ({
    command: match[1]!,
    sub: match[2],
    flags: [...(match[3] ?? '').matchAll(/(?<=\s)--[a-z-]+/g)].map((flag) => flag[0]),
  }));
}

/** Paths under the API prefix, and root paths requested through $BASE or a localhost port. */
export function httpPaths(code: string): string[] {
  const paths = [...code.matchAll(/\/api\/v1\/sentinel(\/[^\s'"?|)]*)?/g)].map((match) => match[0]);
  for (const match of code.matchAll(/(?:\$BASE|localhost:\d+)(\/[^\s'"?|)]*)/g)) paths.push(match[1]!);
  return paths.map((path) => path.replace(/\/$/, ''));
}

/** Route patterns the API registers, read from its sources (`'/alerts/:id'`, with and without the prefix). */
export function apiRoutePatterns(): { prefixed: string[]; root: string[] } {
  const dir = repoPath('src/api/routes');
  const routeSource = readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
  const server = readFileSync(repoPath('src/api/api-server.ts'), 'utf8');
  const quoted = (text: string) => [...text.matchAll(/'(\/[a-z0-9/:._-]+)'/g)].map((match) => match[1]!);
  const prefix = /API_PREFIX = '([^']+)'/.exec(server)?.[1] ?? '/api/v1/sentinel';
  const routes = [...quoted(routeSource), ...quoted(server).filter((path) => path !== prefix)];
  return { prefixed: routes.map((route) => prefix + route), root: routes };
}

export function matchesRoute(path: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/:[a-z]+/g, '[^/]+').replace(/\./g, '\\.')}$`);
    return regex.test(path);
  });
}

/** `kind/name` references (`deployment/sentinel-engine`, `svc/nats`, `pod/nats-2`) and bare pod names. */
export function kubernetesRefs(code: string): { kind: string; name: string }[] {
  const refs: { kind: string; name: string }[] = [];
  const kinds: Record<string, string> = {
    statefulset: 'StatefulSet',
    deployment: 'Deployment',
    deploy: 'Deployment',
    svc: 'Service',
    service: 'Service',
    configmap: 'ConfigMap',
    hpa: 'HorizontalPodAutoscaler',
    pdb: 'PodDisruptionBudget',
    pod: 'Pod',
  };
  for (const match of code.matchAll(
    // Not a path such as deploy/k8s/… or deploy/docker-compose.yaml: the name must end there.
    /\b(statefulset|deployment|deploy|svc|service|configmap|hpa|pdb|pod)[/ ]([a-z0-9][a-z0-9-]*)(?![\w./-])/g,
  )) {
    if (match[2] === 'sentinel' || match[2]!.length < 3) continue;
    if (existsSync(repoPath(match[0]))) continue; // a folder of this repository (deploy/k8s), not an object
    refs.push({ kind: kinds[match[1]!]!, name: match[2]! });
  }
  for (const match of code.matchAll(/(?<![\w/-])((?:sentinel-engine|nats)-\d+)\b/g))
    refs.push({ kind: 'Pod', name: match[1]! });
  return refs;
}

/** Services named after `docker compose … exec|logs|restart|kill [flags]`. */
export function composeServices(code: string): string[] {
  const services: string[] = [];
  const pattern =
    /(?:\$COMPOSE|docker compose(?: -f \S+)?) (?:exec|logs|restart|kill|stop|start)((?: -[-\w=]+(?: SIG[A-Z]+)?)*) ([a-z][a-z0-9-]*)/g;
  for (const match of code.matchAll(pattern)) services.push(match[2]!);
  return services;
}

/** `nats stream|consumer <verb> STREAM [CONSUMER]` references. */
export function natsRefs(code: string): { stream: string; consumer: string | undefined }[] {
  return [...code.matchAll(/\bnats (?:stream|consumer) [a-z]+ ([A-Z_]+)(?: (sentinel-p\d+))?/g)].map(
    (match) => ({
      stream: match[1]!,
      consumer: match[2],
    }),
  );
}

/** `nats kv <verb> BUCKET` and `nats object <verb> BUCKET` references: the buckets the engine creates. */
export function natsBuckets(code: string): { kind: 'kv' | 'object'; bucket: string }[] {
  return [...code.matchAll(/\bnats (kv|object) [a-z]+ ([A-Za-z0-9_-]+)/g)].map((match) => ({
    kind: match[1] as 'kv' | 'object',
    bucket: match[2]!,
  }));
}

/** Tables named in SQL (FROM, JOIN, UPDATE, INTO, `-t` of pg_dump). */
export function sqlTables(code: string): string[] {
  return [...code.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO|TABLE|-t)\s+([a-z_][a-z0-9_]*)/g)].map(
    (match) => match[1]!,
  );
}
