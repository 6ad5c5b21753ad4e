import { describe, expect, it } from 'vitest';
import { API_PREFIX, minimumRole, roleAtLeast, ROLES } from '../../src/api/index.js';

describe('route roles', () => {
  it('orders roles viewer < analyst < admin', () => {
    expect(ROLES).toEqual(['viewer', 'analyst', 'admin']);
    expect(roleAtLeast('admin', 'analyst')).toBe(true);
    expect(roleAtLeast('analyst', 'analyst')).toBe(true);
    expect(roleAtLeast('viewer', 'analyst')).toBe(false);
    expect(roleAtLeast('analyst', 'admin')).toBe(false);
  });

  it('reads the table for prefixed and root routes alike, HEAD as GET', () => {
    expect(minimumRole('GET', `${API_PREFIX}/alerts`, API_PREFIX)).toBe('viewer');
    expect(minimumRole('HEAD', `${API_PREFIX}/alerts/:id`, API_PREFIX)).toBe('viewer');
    expect(minimumRole('PATCH', `${API_PREFIX}/alerts/:id`, API_PREFIX)).toBe('analyst');
    expect(minimumRole('PUT', `${API_PREFIX}/thresholds`, API_PREFIX)).toBe('admin');
    expect(minimumRole('GET', '/ws/alerts', API_PREFIX)).toBe('viewer');
    expect(minimumRole('GET', `${API_PREFIX}/ws/alerts`, API_PREFIX)).toBe('viewer');
  });

  it('fails closed: a route missing from the table needs admin; the OpenAPI pages need viewer', () => {
    expect(minimumRole('POST', `${API_PREFIX}/dlq/replay`, API_PREFIX)).toBe('admin');
    expect(minimumRole('GET', `${API_PREFIX}/something-new`, API_PREFIX)).toBe('admin');
    expect(minimumRole('GET', '/docs/json', API_PREFIX)).toBe('viewer');
    expect(minimumRole('GET', '/docs', API_PREFIX)).toBe('viewer');
    expect(minimumRole('GET', '/docsx', API_PREFIX)).toBe('admin');
  });
});
