/**
 * How `playwright.config.ts` splits the end-to-end specs between Playwright projects, so that two
 * workers can run specs side by side without two of them binding the same port.
 *
 * - {@link FIXED_PORT_PROJECT}: the specs that start a server on a fixed port, run one at a time
 *   (the project's `workers: 1`): the fake Spotify accounts server on 127.0.0.1:47821, the
 *   address the e2e build's `WXT_E2E_AUTH_ORIGIN` (`.env.e2e`) bakes in, and the Firefox
 *   harness's HTTPS server on 127.0.0.1:443 (`support/firefox.ts`).
 * - {@link SHARED_PORT_PROJECT}: every other spec (their servers listen on port 0).
 */

/** The project whose specs bind fixed ports; one worker. */
export const FIXED_PORT_PROJECT = 'fixed-ports';
/** The project of every other spec. */
export const SHARED_PORT_PROJECT = 'chromium';

/** The spec files of {@link FIXED_PORT_PROJECT}: each uses the `accounts` fixture or the Firefox harness. */
export const FIXED_PORT_SPECS: readonly string[] = ['firefox.spec.ts', 'save-playlist.spec.ts', 'screenshots.spec.ts', 'spotify-connection.spec.ts', 'spotify-lists.spec.ts'];

/**
 * Throws unless the running test belongs to {@link FIXED_PORT_PROJECT}, so that a new spec that
 * binds a fixed port fails at once with the fix named, instead of failing now and then when it
 * happens to run beside another spec binding the same port.
 *
 * @param projectName the running test's project (`testInfo.project.name`).
 * @param what the server, for the message (for example "the fake accounts server on 127.0.0.1:47821").
 * @throws Error naming the spec list to add the file to.
 */
export function assertFixedPortProject(projectName: string, what: string): void {
  if (projectName !== FIXED_PORT_PROJECT) {
    throw new Error(`${what} binds a fixed port: add this spec file to FIXED_PORT_SPECS in tests/e2e/support/projects.ts (it runs in project "${projectName}", beside other specs)`);
  }
}
