import type { Connection } from './types.ts';

// The copy-paste example of the first-run guide: one reading published with mosquitto_pub, built
// from the broker the server reports and a real tag. The timestamp is the shell's `date`, so the
// command works whenever it is pasted (the server refuses stale and future timestamps).

/** Quotes a word for a POSIX shell. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** JSON text made safe inside a double-quoted shell word. */
const inDoubleQuotes = (s: string) => s.replace(/[\\"$`]/g, (c) => `\\${c}`);

export function readingTopic(c: Connection): string {
  return `${c.topic_prefix}/${c.tag}`;
}

/** The payload with a fixed example time, to show the format. */
export function examplePayload(c: Connection, timestamp: string): string {
  return JSON.stringify({ tag: c.tag, timestamp, value: c.value, unit: c.unit });
}

/** `fallbackHost`: the address the browser reached this server at, when the broker listens everywhere. */
export function mosquittoPubCommand(c: Connection, fallbackHost: string): string {
  const host = c.host ?? fallbackHost;
  const head = JSON.stringify({ tag: c.tag }).slice(0, -1);
  const tail = JSON.stringify({ value: c.value, unit: c.unit }).slice(1);
  // {"tag":"PT-101","timestamp":"<now>","value":4.2,"unit":"bar"}
  const json = `${inDoubleQuotes(head)},\\"timestamp\\":\\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\",${inDoubleQuotes(tail)}`;
  return [
    'mosquitto_pub',
    `-h ${shellQuote(host)}`,
    `-p ${c.port ?? (c.tls ? 8883 : 1883)}`,
    ...(c.tls ? ['--capath /etc/ssl/certs'] : []),
    ...(c.auth_required ? ['-u <gateway-user> -P <gateway-password>'] : []),
    '-q 1',
    `-t ${shellQuote(readingTopic(c))}`,
    `-m "${json}"`,
  ].join(' ');
}
