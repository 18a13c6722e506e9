import { randomBytes } from 'node:crypto';
import type { TestApp } from './test-app.ts';
import { waitFor } from './wait.ts';

const uid = () => randomBytes(3).toString('hex').toUpperCase();

/** A new instrument with sensible limits; override any field. */
export async function makeInstrument(t: TestApp, fields: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/api/instruments', {
    body: {
      tag: `PT-${uid()}`,
      type: 'pressure',
      unit: 'bar',
      range_min: 0,
      range_max: 10,
      nominal_value: 5,
      alarm_low_critical: 1,
      alarm_low_warning: 2,
      alarm_high_warning: 8,
      alarm_high_critical: 9,
      ...fields,
    },
  });
  if (res.status !== 201) throw new Error(`makeInstrument: ${res.status} ${JSON.stringify(res.body)}`);
  // Ingestion learns of the new tag from 'instrument.changed' (an async reload): wait for it, so a
  // reading published right away is not refused as an unknown tag.
  const cache = t.server.ctx.ingestion?.instruments;
  if (cache)
    await waitFor(`the ingestion cache to learn ${res.body.tag}`, () => cache.byTagName(res.body.tag), {
      timeoutMs: 5_000,
      intervalMs: 5,
    });
  return res.body as { id: number; tag: string } & Record<string, unknown>;
}

/** A new user of the given role, logged in. */
export async function makeUser(
  t: TestApp,
  role: 'admin' | 'technician' = 'technician',
  fields: Record<string, unknown> = {},
) {
  const employee_number = `E-${uid()}`;
  const password = 'field-tech-pass-7';
  const res = await t.api('POST', '/api/users', {
    body: { employee_number, full_name: `Test ${role} ${employee_number}`, role, password, ...fields },
  });
  if (res.status !== 201) throw new Error(`makeUser: ${res.status} ${JSON.stringify(res.body)}`);
  const login = await t.api('POST', '/api/auth/login', { token: null, body: { employee_number, password } });
  if (login.status !== 200) throw new Error(`login: ${JSON.stringify(login.body)}`);
  return {
    ...(res.body.user as { id: number; employee_number: string }),
    password,
    token: login.body.access_token as string,
  };
}
