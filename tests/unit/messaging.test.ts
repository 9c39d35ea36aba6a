import { beforeEach, describe, expect, it } from 'vitest';
import { defineExtensionMessaging } from '@webext-core/messaging';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { onMessage, sendClassify, sendMessage, type TrackResult } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';

const removers: (() => void)[] = [];
beforeEach(() => {
  for (const remove of removers.splice(0)) remove();
  fakeBrowser.reset();
});

const result = (id: string): TrackResult => ({ trackId: id, status: 'unknown' });

describe('typed, validated messaging', () => {
  it('delivers a valid classify request to the handler and its answer back', async () => {
    const received: unknown[] = [];
    removers.push(
      onMessage('classify', async (request) => {
        received.push(request);
        return request.trackIds.map(result);
      }),
    );
    const a = trackId(1);
    expect(await sendClassify([a], [{ trackId: a, name: 'Song', artists: ['A'] }])).toEqual([result(a)]);
    expect(received).toEqual([{ trackIds: [a], seen: [{ trackId: a, name: 'Song', artists: ['A'] }] }]);
  });

  it('refuses to send an invalid request (not a track ID, too many IDs)', async () => {
    await expect(sendClassify(['not-an-id'])).rejects.toThrow(/base62/);
    await expect(sendClassify(Array.from({ length: 101 }, (_, i) => trackId(i)))).rejects.toThrow();
  });

  it('rejects a malformed answer instead of passing it on', async () => {
    removers.push(onMessage('status', async () => ({ spotify: { connected: 'yes' } }) as never));
    await expect(sendMessage('status', {})).rejects.toThrow();
  });

  it('refuses to send a blank search', async () => {
    await expect(sendMessage('search', { query: '   ' })).rejects.toThrow();
  });

  it('validates requests in the receiver too: a malformed one never reaches the handler', async () => {
    let calls = 0;
    removers.push(
      onMessage('classify', async (request) => {
        calls++;
        return request.trackIds.map(result);
      }),
    );
    // Another sender that skips our schemas, as a compromised or outdated context could.
    const raw = defineExtensionMessaging<{ classify(data: unknown): unknown }>();
    await expect(raw.sendMessage('classify', { trackIds: ['<script>'] })).rejects.toThrow(/base62/);
    expect(calls).toBe(0);
  });
});
