import { Type } from 'typebox';
import { Nullable } from '../http/schemas.ts';
import { MIN_GATEWAY_PASSWORD_LENGTH } from './gateway-service.ts';

export const GatewaySchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  description: Nullable(Type.String()),
  is_active: Type.Boolean(),
  password_changed_at: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  /** Live connections under this login on this server's embedded broker. */
  connections: Type.Integer(),
});

const Password = Type.String({ minLength: MIN_GATEWAY_PASSWORD_LENGTH, maxLength: 256 });
const Description = Nullable(Type.String({ maxLength: 500 }));

export const CreateGatewayBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    description: Type.Optional(Description),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);

export const PatchGatewayBody = Type.Object(
  {
    description: Type.Optional(Description),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ResetGatewayPasswordBody = Type.Object(
  { password: Type.Optional(Password) },
  { additionalProperties: false },
);

/** The password is in the answer once, to create or reset; it is never shown again. */
export const GatewayWithPassword = Type.Object({ gateway: GatewaySchema, password: Type.String() });
