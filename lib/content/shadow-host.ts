/**
 * A host element for the extension's own UI on Spotify's page (badge, tooltip, occasion bar):
 * `<tag>` with an open shadow root whose first child is a `<style>` of `css`, so the page's CSS
 * does not reach the UI and the UI's CSS does not leak into the page. Open, so tests and user
 * styles (`::part`) can read it. The host is detached: the caller places it and appends its
 * content to `shadow` after the style.
 */
export function createShadowHost(doc: Document, tag: string, css: string): { host: HTMLElement; shadow: ShadowRoot } {
  const host = doc.createElement(tag);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = css;
  shadow.append(style);
  return { host, shadow };
}
