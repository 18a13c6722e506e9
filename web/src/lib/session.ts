import { useSyncExternalStore } from 'react';
import type { User } from './api-types.ts';

// The login session: the bearer token, when it expires and who it belongs to. Kept in
// localStorage so every tab of the control-room PC shares one shift-length session, and ended
// on the dot at expiry with a message, rather than at the next failing request.

export type { Role } from './api-types.ts';

/** Who the session belongs to: the parts of the login's user the app keeps. */
export type SessionUser = Pick<
  User,
  'id' | 'employee_number' | 'full_name' | 'email' | 'role' | 'must_change_password'
>;

export interface Session {
  token: string;
  expiresAt: string;
  user: SessionUser;
}

export type EndReason = 'expired' | 'revoked' | 'inactive' | 'logout';

interface State {
  session: Session | null;
  /** Why the last session ended, shown on the login page. */
  notice: string | null;
}

const KEY = 'cbu-cmms.session';

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired — please log in again';

const NOTICES: Record<EndReason, string | null> = {
  expired: SESSION_EXPIRED_MESSAGE,
  revoked: 'Your password was changed since you logged in — please log in again',
  inactive: 'This account has been deactivated. Ask an administrator to reactivate it.',
  logout: null,
};

let state: State = { session: readStored(), notice: null };
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
const endListeners = new Set<(reason: EndReason) => void>();

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (!s?.token || !s.expiresAt || !s.user) return null;
    return s;
  } catch {
    return null;
  }
}

function set(next: State) {
  state = next;
  for (const l of listeners) l();
}

function schedule() {
  clearTimeout(timer);
  const s = state.session;
  if (!s) return;
  const left = Date.parse(s.expiresAt) - Date.now();
  if (left <= 0) {
    endSession('expired');
    return;
  }
  // setTimeout overflows past ~24.8 days; re-check in steps for anything longer.
  timer = setTimeout(schedule, Math.min(left, 2 ** 31 - 1));
}

export function startSession(session: Session) {
  localStorage.setItem(KEY, JSON.stringify(session));
  set({ session, notice: null });
  schedule();
}

export function updateSessionUser(user: SessionUser) {
  if (!state.session) return;
  startSession({ ...state.session, user });
}

export function endSession(reason: EndReason) {
  clearTimeout(timer);
  localStorage.removeItem(KEY);
  const had = state.session !== null;
  set({ session: null, notice: NOTICES[reason] ?? state.notice });
  if (had) for (const l of endListeners) l(reason);
}

export function clearNotice() {
  if (state.notice) set({ ...state, notice: null });
}

export function getToken(): string | null {
  const s = state.session;
  if (!s) return null;
  if (Date.parse(s.expiresAt) <= Date.now()) {
    endSession('expired');
    return null;
  }
  return s.token;
}

/** Who is logged in now (outside React), or null. */
export function getSessionUser(): SessionUser | null {
  return state.session?.user ?? null;
}

/** Called when a session ends (to drop cached server data of the previous user). */
export function onSessionEnd(listener: (reason: EndReason) => void) {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSessionState(): State {
  return useSyncExternalStore(subscribe, () => state);
}

export function useSession(): Session | null {
  return useSessionState().session;
}

/** The logged-in user; only for components rendered behind the login gate. */
export function useCurrentUser(): SessionUser {
  const s = useSession();
  if (!s) throw new Error('useCurrentUser used outside a session');
  return s.user;
}

export function useIsAdmin(): boolean {
  return useSession()?.user.role === 'admin';
}

// Another tab logged in or out; a sleeping laptop may also have slept through the timer.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY) return;
    const s = readStored();
    if (s) {
      set({ session: s, notice: null });
      schedule();
    } else if (state.session) {
      endSession('logout');
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') schedule();
  });
  schedule();
}
