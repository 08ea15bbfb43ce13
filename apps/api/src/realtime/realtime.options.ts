/** What the realtime gateways need to know about access and abuse. */
export interface RealtimeOptions {
  /** Origins allowed to connect from a browser (the store's own pages always may). */
  corsOrigins: string[];
  /** Whether a client with this token (or none) may listen. */
  admit(token: string | undefined): Promise<boolean>;
  /** Messages a client may send per second before it is disconnected. */
  maxClientMessagesPerSecond: number;
}

/** Counts a connection's messages in one-second windows. */
export class FloodGuard {
  private windowStart = 0;
  private count = 0;

  constructor(private readonly perSecond: number) {}

  tooMany(now = Date.now()): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count > this.perSecond;
  }
}
