// Entry module of the cross-validation worker threads (training/cv-pool.ts). A worker thread does
// not inherit tsx's loader from `npm run train`, so this registers tsx (with the training
// tsconfig) before loading the TypeScript task module.
import { URL, fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) });
const { default: runFoldTask } = await import('./cv-worker.ts');

export default runFoldTask;
