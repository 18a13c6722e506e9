// A ConnectorSink that keeps what an adapter delivered: the boundary adapter-level tests look at.
import type { ConnectorReading, ConnectorSink } from '../../src/connectors/types.ts';

export interface RecordingSink extends ConnectorSink {
  readings: ConnectorReading[];
  /** Readings for one tag, oldest first. */
  of(tag: string): ConnectorReading[];
  /** Readings delivered from here on (a mark to compare against later). */
  since(mark: number): ConnectorReading[];
}

export function recordingSink(): RecordingSink {
  const readings: ConnectorReading[] = [];
  return {
    readings,
    async submit(batch) {
      readings.push(...batch);
    },
    of: (tag) => readings.filter((r) => r.tag === tag),
    since: (mark) => readings.slice(mark),
  };
}
