// @vitest-environment happy-dom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { TabProfile, type TabProfileProps } from '@/components/TabProfile';
import type { ListReport, TrackResult } from '@/lib/shared/messaging';
import type { ThemeId } from '@/model/themes';
import { trackId } from './support/fixtures';
import { render, useReactRoot } from './support/render';

useReactRoot();

/** A confident answer of `theme` (probability 0.9). */
function confident(id: string, theme: ThemeId): TrackResult {
  return { trackId: id, status: 'ok', theme, probability: 0.9, uncertain: false, probabilities: { [theme]: 0.9 }, provider: 'reccobeats', fetchedAt: 0, topThemes: [{ theme, probability: 0.9 }], why: [] };
}

/** Four tracks in list order: chill, workout, party, chill. */
const REPORT: ListReport = {
  listName: 'Mix',
  items: (['chill', 'workout', 'party', 'chill'] as const).map((theme, position) => {
    const id = trackId(position + 1);
    return { trackId: id, name: `Song ${position + 1}`, artists: ['Band'], position, state: confident(id, theme) };
  }),
};

const press = (view: HTMLElement, theme: ThemeId): void => act(() => view.querySelector<HTMLButtonElement>(`.tab-themes button[data-theme="${theme}"]`)?.click());

describe('the popup\'s list profile (issue 12)', () => {
  it('names the picked themes and saves them in the order of the theme buttons, not the order they were pressed', async () => {
    const save = vi.fn<TabProfileProps['save']>(async () => {});
    const view = render(<TabProfile report={REPORT} enabled={['workout', 'party', 'chill']} colors={{}} copy={vi.fn()} download={vi.fn()} save={save} />);
    expect([...view.querySelectorAll('.tab-themes button')].map((b) => b.getAttribute('data-theme'))).toEqual(['workout', 'party', 'chill']);
    press(view, 'chill');
    press(view, 'workout');
    expect(view.querySelector('[data-testid="tab-pick-note"]')?.textContent).toBe('Picked: Workout, Chill. Press a theme again to drop it.');
    const saveButton = [...view.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Save as playlist'));
    expect(saveButton?.textContent).toBe('Save as playlist… (3)');
    await act(async () => saveButton?.click());
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0]?.[0]).toMatchObject({ listName: 'Mix', themes: ['workout', 'chill'] });
    expect(save.mock.calls[0]?.[0].tracks.map((t) => t.name)).toEqual(['Song 1', 'Song 2', 'Song 4']);
  });
});
