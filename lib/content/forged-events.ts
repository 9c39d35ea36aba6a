/**
 * WXT's content-script context (`wxt/utils/content-script-context`) stops an older instance of a
 * content script when a newer one starts: it listens on `document` for a `CustomEvent` named
 * `<extension ID>:<entrypoint>:wxt:content-script-started` whose `detail` names the same content
 * script. Page scripts can dispatch that event too (an extension's ID is public), and it switched
 * the badges off for good (issue 9). A genuine newer instance of our content script only starts
 * when this one is orphaned, that is when the extension was reloaded or updated, and an orphaned
 * content script's `runtime.id` is `undefined` (Chrome: "Extension context invalidated"; Firefox
 * unloads old content scripts). So while this instance is still connected to its extension,
 * the event can only be forged: it is stopped before WXT's listener on `document` sees it.
 */

/**
 * Stops `eventName` events while `isOrphaned()` is false: a capturing listener on `target`
 * (`window` by default) runs before any listener on `document`, and `stopImmediatePropagation`
 * keeps the event from reaching them. Returns a function that removes the guard.
 * @param eventName the full, unique event name (`ContentScriptContext.SCRIPT_STARTED_MESSAGE_TYPE`).
 * @param isOrphaned whether this content script has lost its extension (then a newer instance is genuine).
 */
export function ignoreForgedScriptStarted(eventName: string, isOrphaned: () => boolean, target: EventTarget = window): () => void {
  const guard = (event: Event): void => {
    if (!isOrphaned()) event.stopImmediatePropagation();
  };
  target.addEventListener(eventName, guard, { capture: true });
  return () => target.removeEventListener(eventName, guard, { capture: true });
}

/**
 * The event name WXT's context listens for: its private static
 * `ContentScriptContext.SCRIPT_STARTED_MESSAGE_TYPE` (wxt 0.21), read at run time so the guard
 * follows WXT; `undefined` if a WXT release drops it (a unit test fails then).
 * @param context the `ContentScriptContext` class.
 */
export function scriptStartedEventName(context: object): string | undefined {
  const name: unknown = Reflect.get(context, 'SCRIPT_STARTED_MESSAGE_TYPE');
  return typeof name === 'string' ? name : undefined;
}
