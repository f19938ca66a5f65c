// WebSocket counters for settings.metrics: one object per hub, null until metrics are turned on, so a
// connection without metrics pays one null check per message and nothing more.

/** Message and byte counts (payload bytes: after inflate in, before deflate out; frame headers excluded). */
export class WsStats {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  /** Sends refused by wsMaxBackpressure under policy 'drop'. */
  backpressureDrops = 0;
  /** Connections closed (1008) by wsMaxBackpressure under policy 'close'. */
  backpressureCloses = 0;

  /** A message received (its payload length). */
  received(bytes: number): void {
    this.messagesIn++;
    this.bytesIn += bytes;
  }
}

/** The payload length of a server frame (unmasked): its length minus the 2, 4 or 10 header bytes. */
export function framePayloadBytes(frame: Buffer): number {
  const len7 = frame[1] & 0x7f;
  return frame.length - (len7 < 126 ? 2 : len7 === 126 ? 4 : 10);
}
