import type { Role } from '../../lib/session.ts';

export interface User {
  id: number;
  employee_number: string;
  full_name: string;
  email: string | null;
  role: Role;
  is_active: boolean;
  must_change_password: boolean;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}
