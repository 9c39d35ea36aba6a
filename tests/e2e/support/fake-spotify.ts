/**
 * A stand-in for an open.spotify.com playlist page, served at a real `https://open.spotify.com/…`
 * URL through Playwright routing. Its markup follows the row structure in
 * shared/notes/platform.md (track rows `div[data-testid="tracklist-row"]` inside
 * `[role="row"][aria-rowindex]`, title link `a[data-testid="internal-track-link"]`, hashed class
 * names), and it virtualizes like Spotify: a fixed pool of row elements is reused while
 * scrolling, their track links and titles rewritten in place.
 */

/** A track listed on the fake page. */
export interface PageTrack {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
}

/** Row height in px and the number of row elements the page keeps (about 20, like Spotify). */
export const ROW_HEIGHT = 56;
export const ROW_POOL_SIZE = 20;
/** `aria-rowindex` of list position 0: ARIA row indices are 1-based and the header is row 1. */
export const FIRST_TRACK_ROW_INDEX = 2;

/** HTML of a virtualized playlist page listing `tracks`. */
export function playlistPageHtml(name: string, tracks: readonly PageTrack[]): string {
  const data = JSON.stringify(tracks).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} | Spotify</title>
<style>
  body { margin: 0; background: #121212; color: #fff; font-family: sans-serif; }
  .Xk2j_a { height: 100vh; overflow-y: auto; }
  .Hh1Qe9 { padding: 16px 24px; font-size: 28px; font-weight: 700; }
  .q9fP3d { position: relative; }
  .b7TtYx { position: absolute; left: 0; right: 0; height: ${ROW_HEIGHT}px; }
  .e8Lm2q { display: grid; grid-template-columns: 48px 1fr 1fr; align-items: center; height: 100%; padding: 0 16px; }
  .e8Lm2q:hover { background: #2a2a2a; }
  .uPv0sd { display: flex; align-items: center; min-width: 0; }
  .uPv0sd a { color: #fff; text-decoration: none; }
  .r2Wc8e, .r2Wc8e a { color: #b3b3b3; font-size: 14px; text-decoration: none; }
</style></head>
<body>
<div class="Xk2j_a" data-testid="main-view" id="scroller">
  <h1 class="Hh1Qe9">${name}</h1>
  <div data-testid="playlist-tracklist" role="grid" aria-rowcount="${tracks.length + 1}" aria-colcount="3">
    <div role="row" aria-rowindex="1"><div role="columnheader" aria-colindex="2">Title</div></div>
    <div class="q9fP3d" role="presentation" id="rows" style="height:${tracks.length * ROW_HEIGHT}px"></div>
  </div>
</div>
<script>
(() => {
  let tracks = ${data};
  const scroller = document.getElementById('scroller');
  const rows = document.getElementById('rows');
  const pool = [];
  function makeRow() {
    const wrapper = document.createElement('div');
    wrapper.setAttribute('role', 'row');
    wrapper.className = 'b7TtYx';
    wrapper.innerHTML = '<div data-testid="tracklist-row" class="e8Lm2q" draggable="true">'
      + '<div role="gridcell" aria-colindex="1" class="r2Wc8e"></div>'
      + '<div role="gridcell" aria-colindex="2"><div class="uPv0sd"><a data-testid="internal-track-link" tabindex="-1"><div class="t1t1e"></div></a></div>'
      + '<span class="r2Wc8e"><a class="art"></a></span></div>'
      + '<div role="gridcell" aria-colindex="3" class="r2Wc8e"></div></div>';
    rows.appendChild(wrapper);
    return wrapper;
  }
  function render() {
    const headerOffset = rows.offsetTop;
    const first = Math.max(0, Math.min(tracks.length - ${ROW_POOL_SIZE}, Math.floor((scroller.scrollTop - headerOffset) / ${ROW_HEIGHT}) - 4));
    for (let index = first; index < Math.min(tracks.length, first + ${ROW_POOL_SIZE}); index++) {
      // Like Spotify, row elements are reused: index i is always drawn by pool element i % size.
      const slot = index % ${ROW_POOL_SIZE};
      const el = pool[slot] || (pool[slot] = makeRow());
      const t = tracks[index];
      if (el.dataset.index === String(index)) continue;
      el.dataset.index = String(index);
      el.setAttribute('aria-rowindex', String(index + ${FIRST_TRACK_ROW_INDEX}));
      el.style.top = (index * ${ROW_HEIGHT}) + 'px';
      el.querySelector('[aria-colindex="1"]').textContent = String(index + 1);
      const link = el.querySelector('a[data-testid="internal-track-link"]');
      link.setAttribute('href', '/track/' + t.id);
      link.firstChild.textContent = t.title;
      const artist = el.querySelector('a.art');
      artist.setAttribute('href', '/artist/' + encodeURIComponent(t.artist));
      artist.textContent = t.artist;
      el.querySelector('[aria-colindex="3"]').textContent = 'Album ' + (index + 1);
    }
  }
  scroller.addEventListener('scroll', render, { passive: true });
  // Client-side navigation, as Spotify's SPA does it: new URL, old rows unmounted, new list drawn.
  window.fakeSpotifyNavigate = (path, name, nextTracks) => {
    history.pushState({}, '', path);
    document.querySelector('h1').textContent = name;
    document.querySelector('[data-testid="playlist-tracklist"]').setAttribute('aria-rowcount', String(nextTracks.length + 1));
    tracks = nextTracks;
    pool.splice(0).forEach((el) => el.remove());
    rows.style.height = (tracks.length * ${ROW_HEIGHT}) + 'px';
    scroller.scrollTop = 0;
    render();
  };
  render();
})();
</script>
</body></html>`;
}
