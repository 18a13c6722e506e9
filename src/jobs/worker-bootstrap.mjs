// Worker-thread entry. Plain JavaScript on purpose: a worker does not inherit the parent's TypeScript
// loader reliably (Node 20 ignores `--import tsx` in a worker's execArgv), so it registers tsx itself
// before loading the TypeScript module that does the work.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
