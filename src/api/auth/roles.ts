/**
 * Roles, least to most: `viewer` reads (cases, detections, callers, rules, health, the feed); `analyst` also
 * reviews cases and runs detections (and may allowlist the exact number of a case it marks false positive);
 * `admin` may do everything, including thresholds, the allowlist itself and ingest. Every route declares the
 * least role it needs (route-roles.ts); a caller with a lower role gets 403 naming both.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `held` is `needed` or above it. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
