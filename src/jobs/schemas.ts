import { Type } from 'typebox';
import { Nullable } from '../http/schemas.ts';

/** queued | running | succeeded | failed (spelled out so the type stays a literal union). */
export const JobStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
]);

export const JobSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  status: JobStatusSchema,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  params: Nullable(Type.Record(Type.String(), Type.Unknown())),
  result_summary: Nullable(Type.Record(Type.String(), Type.Unknown())),
  has_result_file: Type.Boolean(),
  error: Nullable(Type.String()),
  created_by: Nullable(Type.Integer()),
  created_by_name: Nullable(Type.String()),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  completed_at: Nullable(Type.String()),
  updated_at: Type.String(),
});

/** 202 answer of a route that queued a job. */
export const JobAccepted = Type.Object({ job_id: Type.Integer(), status: Type.String() });
