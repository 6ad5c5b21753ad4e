/**
 * Types for the community xk6-nats extension (github.com/ydarias/xk6-nats, the version pinned in
 * docs/loadtest.md), only the part the NATS script uses. It exists only in a k6 binary built with xk6.
 */
declare module 'k6/x/nats' {
  export interface NatsConfig {
    servers: string[];
    unsafe?: boolean;
    token?: string;
  }

  export class Nats {
    constructor(config: NatsConfig);
    publish(subject: string, data: string): void;
    publishWithHeaders(subject: string, data: string, headers: Record<string, string>): void;
    jetStreamPublish(subject: string, data: string): void;
    jetStreamPublishWithHeaders(subject: string, data: string, headers: Record<string, string>): void;
    close(): void;
  }
}
