import { type Static, Type } from 'typebox';
import { Literals, Nullable } from '../http/schemas.ts';

// GET /api/first-run: the one declaration the route serialises with, the service returns and the
// web app types itself by (web/src/lib/api-types.ts).

export const ConnectionSchema = Type.Object({
  broker: Literals(['embedded', 'external']),
  host: Nullable(Type.String({ description: "where a publisher connects; null: this server's own address" })),
  port: Nullable(Type.Integer()),
  tls: Type.Boolean(),
  loopback_only: Type.Boolean({
    description:
      'the embedded broker listens on this machine only (no broker login configured, not production)',
  }),
  auth_required: Type.Boolean({
    description: 'publishers must log in (a gateway login from the Gateways page)',
  }),
  topic_prefix: Type.String({ description: 'readings for tag T go to <topic_prefix>/T' }),
  tag: Type.String({
    description:
      "the first instrument's tag (an example when none exists), with its unit and a value in range",
  }),
  unit: Type.String(),
  value: Type.Number(),
  tag_is_real: Type.Boolean(),
});

export const FirstRunSchema = Type.Object({
  instruments: Type.Integer(),
  readings: Type.Boolean(),
  active_users: Type.Integer(),
  complete: Type.Boolean({
    description: 'instruments and readings exist: the walk-through is no longer shown',
  }),
  /** For admins only (null for technicians). */
  connection: Nullable(ConnectionSchema),
});

export type Connection = Static<typeof ConnectionSchema>;
export type FirstRun = Static<typeof FirstRunSchema>;
