import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { LoginPage } from '../features/auth/components/LoginPage.tsx';
import { MustChangePassword } from '../features/auth/components/MustChangePassword.tsx';
import { createQueryClient } from '../lib/query-client.ts';
import { useSession } from '../lib/session.ts';
import { AppRoutes } from './AppRoutes.tsx';

function Gate() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    if (location.pathname === paths.login.path) return <LoginPage />;
    const next = location.pathname + location.search;
    return <Navigate to={`${paths.login.path}?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.user.must_change_password) return <MustChangePassword />;
  if (location.pathname === paths.login.path) {
    const next = new URLSearchParams(location.search).get('next');
    // Only same-app paths: never bounce a user to another site after login.
    const safe = next?.startsWith('/') && !next.startsWith('//') ? next : paths.dashboard.href();
    return <Navigate to={safe} replace />;
  }
  return <AppRoutes />;
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="*" element={<Gate />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
