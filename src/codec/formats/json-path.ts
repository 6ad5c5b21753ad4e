/**
 * Paths into parsed JSON for mapping files: `a.b.c`, array indexes as `a.items[0].id` or `a.items.0.id`, and
 * keys holding dots or brackets as `a["x.y"]`. Compiled once per mapping; resolving a path is a short loop
 * with no allocation.
 */

export type JsonPath = readonly (string | number)[];

const NAME = /^[^.[\]"]+/;
const INDEX = /^\[(\d+)\]/;
const QUOTED = /^\["((?:[^"\\]|\\.)*)"\]/;

/** The key inside `["…"]`, JSON string escapes allowed; undefined for a broken escape. */
function unquote(body: string): string | undefined {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return undefined;
  }
}

/** The path's steps, or a description of what is wrong with it. */
export function compileJsonPath(text: string): JsonPath | string {
  const steps: (string | number)[] = [];
  let rest = text.trim();
  if (rest === '') return 'a path cannot be empty';
  let expectName = true;
  while (rest !== '') {
    if (expectName) {
      const name = NAME.exec(rest);
      const quoted = name === null ? QUOTED.exec(rest) : null;
      if (name === null && quoted === null) return `cannot read the path at ${JSON.stringify(rest)}`;
      if (name !== null) {
        steps.push(/^\d+$/.test(name[0]) ? Number(name[0]) : name[0]);
        rest = rest.slice(name[0].length);
      } else if (quoted !== null) {
        const key = unquote(quoted[1] ?? '');
        if (key === undefined) return `bad escape in ${quoted[0]}`;
        steps.push(key);
        rest = rest.slice(quoted[0].length);
      }
      expectName = false;
      continue;
    }
    const index = INDEX.exec(rest);
    const quoted = index === null ? QUOTED.exec(rest) : null;
    if (index !== null) {
      steps.push(Number(index[1]));
      rest = rest.slice(index[0].length);
    } else if (quoted !== null) {
      const key = unquote(quoted[1] ?? '');
      if (key === undefined) return `bad escape in ${quoted[0]}`;
      steps.push(key);
      rest = rest.slice(quoted[0].length);
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest === '') return 'a path cannot end with "."';
      expectName = true;
    } else {
      return `cannot read the path at ${JSON.stringify(rest)}`;
    }
  }
  return steps;
}

/** The value at `path` in `root`; undefined where any step is missing. A number step also reads an object key. */
export function resolveJsonPath(root: unknown, path: JsonPath): unknown {
  let value = root;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) {
      if (typeof step !== 'number') return undefined;
      value = value[step];
    } else {
      value = (value as Record<string, unknown>)[String(step)];
    }
  }
  return value;
}
