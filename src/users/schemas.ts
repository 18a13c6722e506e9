import { Type } from 'typebox';
import { Nullable, StrictObject } from '../http/schemas.ts';

export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('technician')]);

export const UserSchema = Type.Object({
  id: Type.Integer(),
  employee_number: Type.String(),
  full_name: Type.String(),
  email: Nullable(Type.String()),
  role: RoleSchema,
  is_active: Type.Boolean(),
  must_change_password: Type.Boolean(),
  last_login_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Email = Type.String({ format: 'email', maxLength: 254 });

export const CreateUserBody = StrictObject({
  employee_number: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  full_name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.Optional(Nullable(Email)),
  role: RoleSchema,
  // The policy (users/passwords.ts) checks length and the rest, with a message naming the rule.
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});

export const PatchUserBody = StrictObject(
  {
    full_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Nullable(Email)),
    role: Type.Optional(RoleSchema),
    is_active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);
