import * as z from 'zod/mini';

/**
 * Imported first by every entrypoint, before any schema is built: zod 4 probes `new Function('')`
 * when it builds its first object schema (to compile fast parsers), and under an extension's
 * Content Security Policy, which forbids `unsafe-eval`, the browser reports that probe as a CSP
 * violation even though zod catches the error. `jitless` skips the probe and the compiled
 * parsers (zod docs, "Configuration": `z.config({ jitless: true })`). The setting is global to
 * zod, so `zod` and `zod/mini` both follow it.
 */
z.config({ jitless: true });
