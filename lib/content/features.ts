import { pageTypeOf, type PageType, type PageTypeId } from './page-type';

/**
 * Page features, after Refined GitHub's feature model: each feature is a small self-contained
 * module that declares the page types it applies to; the runner starts it when such a page is
 * shown and aborts its `AbortSignal` when the single-page app navigates away (or the content
 * script shuts down), and the feature then removes everything it added.
 */

/** The page a feature was started on. */
export interface PageContext {
  /** The page type, or `undefined` for features that run on every page while it has none. */
  readonly pageType: PageType | undefined;
  /** `location.pathname` when the feature started. */
  readonly pathname: string;
}

/** A page feature. */
export interface Feature {
  /** Short identifier, for logs. */
  readonly id: string;
  /** The page types it runs on, or `'every-page'` (started once, aborted only at shutdown). */
  readonly pageTypes: readonly PageTypeId[] | 'every-page';
  /**
   * Starts the feature; synchronous. Everything it adds to the page or listens to must be undone
   * when `signal` aborts. A throw is logged and does not stop other features.
   */
  init(signal: AbortSignal, page: PageContext): void;
}

/** Runs features on the pages they apply to. */
export interface FeatureRunner {
  /** Starts the features of the current page and the every-page features; watches for navigation. */
  start(): void;
  /** Checks whether the page changed (cheap; also called on every DOM change) and if so restarts the page's features. */
  check(): void;
  /** Aborts every feature. */
  dispose(): void;
}

/** What {@link createFeatureRunner} needs. */
export interface FeatureRunnerDeps {
  readonly features: readonly Feature[];
  readonly pageTypes: readonly PageType[];
  /** The current pathname (default: `location.pathname`). */
  readonly pathname?: () => string;
  /** Where SPA navigation shows first: DOM changes under this node trigger a {@link FeatureRunner.check} (default `document.body`). */
  readonly root?: Node;
  readonly log?: Pick<Console, 'warn'>;
}

/** Creates a {@link FeatureRunner}. */
export function createFeatureRunner(deps: FeatureRunnerDeps): FeatureRunner {
  const pathname = deps.pathname ?? (() => location.pathname);
  const log = deps.log ?? console;
  const lifetime = new AbortController();
  let page: AbortController | undefined;
  let current: string | undefined;

  function run(feature: Feature, signal: AbortSignal, context: PageContext): void {
    try {
      feature.init(signal, context);
    } catch (error) {
      log.warn(`Playlist Predictor: feature ${feature.id} failed to start on ${context.pathname}`, error);
    }
  }

  function startPage(path: string): void {
    page?.abort();
    page = new AbortController();
    current = path;
    const pageType = pageTypeOf(path, deps.pageTypes);
    if (!pageType) return;
    for (const feature of deps.features) {
      if (feature.pageTypes !== 'every-page' && feature.pageTypes.includes(pageType.id)) run(feature, AbortSignal.any([lifetime.signal, page.signal]), { pageType, pathname: path });
    }
  }

  const check = (): void => {
    if (lifetime.signal.aborted) return;
    const path = pathname();
    if (path !== current) startPage(path);
  };

  return {
    start() {
      // Created before any feature's observer, so it hears of a navigation first.
      const observer = new MutationObserver(check);
      observer.observe(deps.root ?? document.body, { childList: true, subtree: true });
      addEventListener('popstate', check, { signal: lifetime.signal });
      lifetime.signal.addEventListener('abort', () => observer.disconnect());
      startPage(pathname());
      const path = pathname();
      for (const feature of deps.features) {
        if (feature.pageTypes === 'every-page') run(feature, lifetime.signal, { pageType: pageTypeOf(path, deps.pageTypes), pathname: path });
      }
    },
    check,
    dispose() {
      lifetime.abort();
      page?.abort();
    },
  };
}
