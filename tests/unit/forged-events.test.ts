// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ContentScriptContext } from 'wxt/utils/content-script-context';
import { ignoreForgedScriptStarted, scriptStartedEventName } from '@/lib/content/forged-events';

const guards: (() => void)[] = [];
beforeEach(() => fakeBrowser.reset());
afterEach(() => {
  for (const remove of guards.splice(0)) remove();
});

/** What a page script can dispatch: WXT's event with the (public) extension ID and our script's name. */
function forge(name: string, contentScriptName: string): void {
  document.dispatchEvent(new CustomEvent(name, { detail: { contentScriptName, messageId: 'forged' } }));
}

describe("WXT's content-script-started event", () => {
  it('is readable from WXT, so the guard follows its name', () => {
    expect(scriptStartedEventName(ContentScriptContext)).toMatch(/:wxt:content-script-started$/);
    expect(scriptStartedEventName({})).toBeUndefined();
  });

  it('switches an unguarded content script off when a page forges it (the threat)', () => {
    const ctx = new ContentScriptContext('spotify');
    forge(scriptStartedEventName(ContentScriptContext) ?? '', 'spotify');
    expect(ctx.isValid).toBe(false);
  });

  it('is ignored while this content script is still connected to its extension', () => {
    const name = scriptStartedEventName(ContentScriptContext) ?? '';
    const remove = ignoreForgedScriptStarted(name, () => false);
    const ctx = new ContentScriptContext('spotify');
    forge(name, 'spotify');
    forge(name, 'spotify');
    expect(ctx.isValid).toBe(true);
    remove();
    forge(name, 'spotify');
    expect(ctx.isValid).toBe(false);
  });

  it('still lets a genuine newer instance stop an orphaned one', () => {
    const name = scriptStartedEventName(ContentScriptContext) ?? '';
    let orphaned = false;
    guards.push(ignoreForgedScriptStarted(name, () => orphaned));
    const old = new ContentScriptContext('spotify');
    orphaned = true;
    const newer = new ContentScriptContext('spotify');
    expect(old.isValid).toBe(false);
    expect(newer.signal.aborted).toBe(false);
  });
});
