/**
 * Paths and loaders shared by the deploy checks: the repository root, YAML documents, and the small shape
 * helpers (records, strings) the checks use to walk parsed manifests without `any`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** Every document of a YAML file, parsed with YAML 1.1 merge keys (`<<:`) as Compose uses them. */
export function loadYamlDocuments(path: string): Json[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const values: Json[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value = document.toJS() as Json | undefined;
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export function loadYamlObject(path: string): JsonObject {
  const [first, ...rest] = loadYamlDocuments(path);
  if (rest.length > 0 || !isObject(first)) throw new Error(`${path}: expected exactly one YAML mapping`);
  return first;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `key`, or an empty one: manifests omit empty sections. */
export function objectAt(value: Json | undefined, key: string): JsonObject {
  if (!isObject(value)) return {};
  const child = value[key];
  return isObject(child) ? child : {};
}

export function arrayAt(value: Json | undefined, key: string): Json[] {
  if (!isObject(value)) return [];
  const child = value[key];
  return Array.isArray(child) ? child : [];
}

export function stringAt(value: Json | undefined, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const child = value[key];
  return typeof child === 'string' ? child : undefined;
}

export function numberAt(value: Json | undefined, key: string): number | undefined {
  if (!isObject(value)) return undefined;
  const child = value[key];
  return typeof child === 'number' ? child : undefined;
}

/** Follows a path of keys through nested objects. */
export function dig(value: Json | undefined, ...keys: string[]): Json | undefined {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * An optional command-line tool (kustomize, hadolint): its path when installed, else undefined. A missing
 * optional tool narrows what a check can do; it never skips the check.
 */
export function findTool(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/bin',
    '/usr/bin',
    '/usr/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(
  binary: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ToolRun {
  const result = spawnSync(binary, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000, // one minute: these tools answer in well under a second
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
