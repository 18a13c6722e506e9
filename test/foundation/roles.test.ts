import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

/** Walks every registered route with no token, a technician token and an admin token. */
describe('roles on every route', () => {
  let t: TestApp;
  let tech: string;
  beforeAll(async () => {
    t = await startTestApp();
    tech = (await makeUser(t, 'technician')).token;
  });
  afterAll(() => t?.stop());

  const fill = (url: string) =>
    url
      .replace(/:id|:version/g, '999999')
      .replace(/:tag/g, 'NO-SUCH-TAG')
      .replace(/:[a-z_]+/g, '1')
      .replace(/\*$/, 'x');

  it('every /api route declares a role', () => {
    const api = t.server.app.routeRoles.filter((r) => r.url.startsWith('/api'));
    expect(api.length).toBeGreaterThan(15);
    for (const r of api) expect(['public', 'user', 'admin']).toContain(r.role);
  });

  it('answers 401 without a token, 403 to a technician on admin routes, and lets an admin through', async () => {
    const routes = t.server.app.routeRoles.filter((r) => r.url.startsWith('/api') && r.role !== 'public');
    for (const r of routes) {
      const url = fill(r.url);
      const body = ['POST', 'PATCH', 'PUT'].includes(r.method) ? {} : undefined;
      const anon = await t.api(r.method, url, { token: null, body });
      expect(anon.status, `${r.method} ${r.url} without token`).toBe(401);
      const asTech = await t.api(r.method, url, { token: tech, body });
      if (r.role === 'admin') expect(asTech.status, `${r.method} ${r.url} as technician`).toBe(403);
      else expect([401, 403], `${r.method} ${r.url} as technician`).not.toContain(asTech.status);
      const asAdmin = await t.api(r.method, url, { body });
      expect([401, 403], `${r.method} ${r.url} as admin`).not.toContain(asAdmin.status);
      expect(asAdmin.status, `${r.method} ${r.url} as admin must not 500`).toBeLessThan(500);
    }
  });
});
