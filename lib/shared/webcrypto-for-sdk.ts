/**
 * What `import 'crypto'` gives in the extension's bundles (wxt.config.ts `resolve.alias`).
 * `@spotify/web-api-ts-sdk`'s `auth/Crypto.js` has a Node fallback, `require('crypto').webcrypto`,
 * for pages without WebCrypto; Vite otherwise externalizes `crypto` with a warning on every build.
 * The extension never uses the SDK's auth strategies (PKCE is done in `lib/background/auth`), and
 * every extension context has WebCrypto, so Node's `webcrypto` is simply the global one here.
 */
export const webcrypto = globalThis.crypto;
export default { webcrypto };
