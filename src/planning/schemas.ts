import { type Static, Type } from 'typebox';
import { DateOnly, Id, Literals, Nullable } from '../http/schemas.ts';

// GET /api/planning/upcoming: its query and answer, the one declaration the route validates and
// serialises with, the service returns and the web app types itself by (web/src/lib/api-types.ts).

export const UpcomingQuerySchema = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30 })),
    process_unit_id: Type.Optional(Id),
    assigned_to: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const UpcomingItemSchema = Type.Object({
  kind: Literals(['calibration', 'pm', 'work_order']),
  due_at: Type.String(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  process_unit_id: Nullable(Type.Integer()),
  process_unit_name: Nullable(Type.String()),
  title: Type.String(),
  assigned_to: Nullable(Type.Integer()),
  assigned_to_name: Nullable(Type.String()),
  work_order_id: Nullable(
    Type.Integer({ description: "the work order raised for it (a calibration's), or the work order itself" }),
  ),
  pm_plan_id: Nullable(Type.Integer()),
  priority: Nullable(Type.String()),
  status: Nullable(
    Type.String({
      description: "the work order's status (open or in_progress); null for a calibration or PM without one",
    }),
  ),
  overdue: Type.Boolean(),
});

export const UpcomingSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  days: Type.Integer(),
  time_zone: Type.String({ description: 'the zone whose calendar days group the items (REPORT_TIMEZONE)' }),
  total: Type.Integer(),
  overdue: Type.Array(UpcomingItemSchema, {
    description: 'due before now and still outstanding, oldest first',
  }),
  by_day: Type.Array(Type.Object({ date: DateOnly, items: Type.Array(UpcomingItemSchema) }), {
    description: 'days from now to `to` that have something due, in order',
  }),
});

export type UpcomingItem = Static<typeof UpcomingItemSchema>;
export type Upcoming = Static<typeof UpcomingSchema>;
