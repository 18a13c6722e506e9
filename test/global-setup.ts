import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL database made for this run (null when the suite runs on SQLite). */
    pgRunUrl: string | null;
  }
}

/**
 * With TEST_DATABASE_URL set, the run gets its own PostgreSQL database, dropped at the end, so
 * two runs never see each other's rows. Each test app then works in its own schema inside it.
 */
export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    project.provide('pgRunUrl', null);
    return;
  }
  const name = `cmms_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  project.provide('pgRunUrl', url.toString());
  return async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  };
}
