import type { Role } from './roles.js';

/** Who made a request: recorded as `reviewed_by` / `updated_by` / `created_by` and used as the rate-limit key. */
export interface Principal {
  /** The API key's configured name, or the JWT's `sub`. */
  name: string;
  method: 'api_key' | 'jwt' | 'dev_key';
  /** What the principal may do: the key's configured role, the JWT's `role` claim, or AUTH_DEFAULT_ROLE. */
  role: Role;
}
