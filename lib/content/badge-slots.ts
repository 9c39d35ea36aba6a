import type { SeenTrack } from '@/lib/shared/messaging';
import type { TrackId } from '@/lib/shared/track-id';
import type { ThemeId } from '@/model/themes';
import { BADGE_HOST_TAG, createBadgeElement, type BadgeElement } from './badge-element';
import { applyPlacement, planPlacement, type Placement } from './badge-placement';
import { createBadgeTooltip } from './badge-tooltip';
import type { ResultsStore } from './results-store';
import type { FoundTrack } from './spotify-dom';

/**
 * Keeps exactly one badge on every element that shows a track (a row, the now-playing widget),
 * showing that track's current result. Elements are keyed by identity, results by track ID,
 * because Spotify reuses row elements for other tracks while scrolling: when an element starts
 * showing another track, its badge switches in the same call, before the page is painted, to that
 * track's known result or to `loading`. A row never shows another track's badge.
 */
export interface BadgeSlots {
  /**
   * Reconciles the badges with `found`, the tracks shown now (call it from a `MutationObserver`
   * callback): adds, re-targets, re-places and removes badges. Synchronous.
   */
  sync(found: readonly FoundTrack[]): void;
  /** Draws every badge again with its current state (the colours changed). */
  rerender(): void;
  /** Removes every badge this instance placed and stops watching their tracks. */
  clear(): void;
}

/** What {@link createBadgeSlots} needs. */
export interface BadgeSlotsDeps {
  readonly store: ResultsStore;
  /** The user's badge colours, read at every render. */
  readonly colors: () => Readonly<Partial<Record<ThemeId, string>>>;
  readonly document?: Document;
}

/** What the badge features need: {@link BadgeSlotsDeps} and word of colour changes. */
export interface BadgeFeatureDeps extends BadgeSlotsDeps {
  /** Calls `listener` whenever the badge colours change, until `signal` aborts. */
  readonly onColorsChange: (listener: () => void, signal: AbortSignal) => void;
  readonly log?: Pick<Console, 'warn'>;
}

/**
 * Keeps one badge on every track `find` returns: at once, then in the same `MutationObserver`
 * callback as every DOM change (childList anywhere, `href` attributes: how Spotify draws, reuses
 * and removes rows), and again when the colours change; until `signal` aborts, which removes
 * every badge it placed. `find` must be cheap: it runs on every DOM change. If it throws
 * (markup we do not understand), that is logged once and the page keeps working.
 */
export function keepBadgesInSync(deps: BadgeFeatureDeps, signal: AbortSignal, find: (doc: Document) => readonly FoundTrack[]): void {
  const doc = deps.document ?? document;
  const log = deps.log ?? console;
  const slots = createBadgeSlots(deps);
  let warned = false;
  const sync = (): void => {
    try {
      slots.sync(find(doc));
    } catch (error) {
      // Markup we did not expect: no badges where it is, one warning, never an exception per DOM change.
      if (!warned) log.warn('Playlist Predictor: could not read the page to place badges', error);
      warned = true;
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
  deps.onColorsChange(() => slots.rerender(), signal);
  signal.addEventListener('abort', () => {
    observer.disconnect();
    slots.clear();
  });
  sync();
}

interface Slot {
  readonly badge: BadgeElement;
  trackId: TrackId;
  link: HTMLAnchorElement;
  unwatch: () => void;
}

/**
 * What the page shows of a track, for the `classify` request: title, artists and duration (ms,
 * when shown). `undefined` when it shows neither a title nor a duration (nothing worth sending).
 */
const seenOf = (found: FoundTrack): SeenTrack | undefined =>
  found.name === '' && found.durationMs === undefined
    ? undefined
    : { trackId: found.trackId, name: found.name, artists: found.artists, ...(found.durationMs === undefined ? {} : { durationMs: found.durationMs }) };

/** Creates a {@link BadgeSlots}. */
export function createBadgeSlots(deps: BadgeSlotsDeps): BadgeSlots {
  const doc = deps.document ?? document;
  const slots = new Map<HTMLElement, Slot>();
  /** One tooltip for all of this instance's badges (issue 11). */
  const tooltip = createBadgeTooltip(doc);

  const render = (slot: Slot): void => slot.badge.render(slot.trackId, deps.store.state(slot.trackId), deps.colors());

  function watch(slot: Slot, found: FoundTrack): void {
    const trackId = found.trackId;
    slot.unwatch = deps.store.watch(
      trackId,
      () => {
        if (slot.trackId === trackId) render(slot);
      },
      { seen: seenOf(found) },
    );
  }

  function remove(container: HTMLElement, slot: Slot): void {
    slot.unwatch();
    slot.badge.host.remove();
    slots.delete(container);
  }

  return {
    sync(found) {
      const live = new Set(found.map((f) => f.container));
      for (const [container, slot] of slots) if (!live.has(container)) remove(container, slot);

      const toPlace: { slot: Slot; found: FoundTrack }[] = [];
      for (const f of found) {
        let slot = slots.get(f.container);
        if (!slot) {
          slot = { badge: createBadgeElement(doc, (id) => deps.store.retry(id), tooltip), trackId: f.trackId, link: f.link, unwatch: () => {} };
          slots.set(f.container, slot);
          render(slot);
          watch(slot, f);
          toPlace.push({ slot, found: f });
          continue;
        }
        if (slot.trackId !== f.trackId) {
          slot.unwatch();
          slot.trackId = f.trackId;
          render(slot);
          watch(slot, f);
          toPlace.push({ slot, found: f });
        } else if (slot.link !== f.link || !f.container.contains(slot.badge.host)) {
          toPlace.push({ slot, found: f });
        }
        slot.link = f.link;
      }

      // Reads first (computed styles, label widths), then writes: one layout for the whole batch.
      const plans: [Slot, Placement][] = toPlace.map(({ slot, found: f }) => [slot, planPlacement(slot.badge.host, f.link, f.container)]);
      for (const [slot, plan] of plans) applyPlacement(slot.badge.host, plan);

      // Badges left behind by an earlier instance (the extension was updated or reloaded) are in
      // containers this instance places a badge in for the first time: only those are searched,
      // not every row on every DOM change.
      for (const { slot, found: f } of toPlace) {
        for (const stray of f.container.querySelectorAll(BADGE_HOST_TAG)) if (stray !== slot.badge.host) stray.remove();
      }
      // A badge removed while its tooltip was open (the row went away under the pointer).
      if (tooltip.anchor && !tooltip.anchor.isConnected) tooltip.hide();
    },
    rerender() {
      for (const slot of slots.values()) render(slot);
    },
    clear() {
      for (const [container, slot] of slots) remove(container, slot);
      tooltip.dispose();
    },
  };
}
