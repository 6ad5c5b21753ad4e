/** Who made a request: recorded as `reviewed_by` / `updated_by` / `created_by` and used as the rate-limit key. */
export interface Principal {
  /** The API key's configured name, or the JWT's `sub`. */
  name: string;
  method: 'api_key' | 'jwt' | 'dev_key';
}
