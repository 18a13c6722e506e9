import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { countUsers, createUser } from './user-service.ts';

/**
 * The first start with no users creates the admin, from ADMIN_EMPLOYEE_NUMBER / ADMIN_PASSWORD or
 * with a generated one-time password shown once on the console (never in the log).
 */
export async function ensureAdmin(
  db: Kysely<DB>,
  admin: { employeeNumber: string; password: string | null },
  at: string,
  print: (text: string) => void = (t) => process.stdout.write(t),
): Promise<{ created: boolean }> {
  if ((await countUsers(db)) > 0) return { created: false };
  try {
    const { generatedPassword } = await createUser(
      db,
      null,
      {
        employee_number: admin.employeeNumber,
        full_name: 'Administrator',
        role: 'admin',
        ...(admin.password ? { password: admin.password } : {}),
      },
      at,
    );
    if (generatedPassword) {
      print(
        `\n  First start: created admin "${admin.employeeNumber}" with one-time password: ${generatedPassword}\n` +
          '  Log in and change it (it is not shown again). Set ADMIN_PASSWORD to choose it yourself.\n\n',
      );
    }
    return { created: true };
  } catch (e) {
    // Another process created the admin at the same moment: that is fine.
    if ((e as { code?: string }).code === 'employee_number_taken') return { created: false };
    throw e;
  }
}
