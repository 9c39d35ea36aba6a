/**
 * Renders React views into happy-dom for unit tests: `useReactRoot()` (call at the top of a test
 * file) sets React's act() environment and unmounts after each test; `render` mounts one view,
 * `rerender` gives it new props.
 */
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll } from 'vitest';

let root: Root | undefined;
let container: HTMLElement | undefined;

/** Registers the act() environment and the unmount after each test of the calling file. */
export function useReactRoot(): void {
  beforeAll(() => {
    // Tells React that updates are wrapped in act() here.
    Object.assign(globalThis, { IS_REACT_ACT_ENVIRONMENT: true });
  });
  afterEach(() => {
    act(() => root?.unmount());
    root = undefined;
    container?.remove();
  });
}

/** Mounts `element` in a fresh element appended to `document.body` and returns that element. */
export function render(element: ReactNode): HTMLElement {
  const view = document.createElement('div');
  document.body.append(view);
  container = view;
  root = createRoot(view);
  act(() => root?.render(element));
  return view;
}

/** Renders `element` in place of what {@link render} mounted last. */
export function rerender(element: ReactNode): void {
  act(() => root?.render(element));
}
