import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { registerServiceWorker } from './lib/service-worker.ts';
import './styles/app.css';
import './styles/field.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
registerServiceWorker();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
