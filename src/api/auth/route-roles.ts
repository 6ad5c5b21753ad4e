/**
 * The least role each route needs, in one table so it can be reviewed (and tested) as a whole. Keys are
 * `METHOD path`, the path without the `/api/v1/sentinel` prefix (root and prefixed copies of a route share a
 * line). A route missing here needs `admin`: forgetting a line fails closed, and the route-role test lists
 * every registered route that has no line.
 */
import type { Role } from './roles.js';

export const ROUTE_ROLES: Readonly<Record<string, Role>> = {
  // Operations (/health, /health/ready and the root /metrics are public and never reach this table).
  'GET /health/detailed': 'viewer',
  'GET /metrics': 'viewer',
  // Cases (what `/alerts` lists) and the window-level detection log.
  'GET /alerts': 'viewer',
  'GET /alerts/:id': 'viewer',
  'GET /alerts/:id/events': 'viewer',
  'PATCH /alerts/:id': 'analyst',
  'POST /alerts/review': 'analyst',
  'GET /detections': 'viewer',
  'GET /detections/:id': 'viewer',
  // The live feed.
  'GET /alerts/stream': 'viewer',
  'GET /ws/alerts': 'viewer',
  // Callers and detection.
  'GET /callers/:number': 'viewer',
  'POST /detect/sdhf': 'analyst',
  // Data in: publishing CDRs changes what the engine decides, so only admins (a dry run only parses).
  'POST /ingest': 'admin',
  'POST /ingest/validate': 'analyst',
  'POST /events/call': 'admin',
  // Rules.
  'GET /thresholds': 'viewer',
  'PUT /thresholds': 'admin',
  'GET /allowlist': 'viewer',
  'POST /allowlist': 'admin',
  'DELETE /allowlist/:entry': 'admin',
};

/** `/api/v1/sentinel/alerts/:id` → `/alerts/:id`. */
export function routeKey(method: string, url: string, prefix: string): string {
  const path = url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : url;
  // HEAD is answered by the GET route.
  return `${method === 'HEAD' ? 'GET' : method} ${path}`;
}

/** The least role for a route: its table line, `viewer` for the OpenAPI pages, `admin` when undeclared. */
export function minimumRole(method: string, url: string, prefix: string): Role {
  const declared = ROUTE_ROLES[routeKey(method, url, prefix)];
  if (declared !== undefined) return declared;
  if (url === '/docs' || url.startsWith('/docs/')) return 'viewer';
  return 'admin';
}
