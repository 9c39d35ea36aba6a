import { serializeError } from '@aklinker1/zero-serialize-error';
import { z } from 'zod';
import type { MessageHandlers } from '@/lib/background/message-handlers';
import { PROTOCOL, isMessageName, type MessageName, type SenderKind } from '@/lib/shared/messaging';

/** The only web origin whose tabs may talk to the background (the content script's `matches`). */
export const SPOTIFY_ORIGIN = 'https://open.spotify.com';

/**
 * The parts of a `runtime.MessageSender` (MDN: runtime.MessageSender; Chrome: runtime.MessageSender)
 * that tell who is asking. The browser fills them in, not the sender: `id` is the sending
 * extension, `url` the sending document, `origin` (Chromium only) its origin, `tab` is present
 * for content scripts and for extension pages open in a tab.
 */
export interface MessageSenderLike {
  readonly id?: string;
  readonly url?: string;
  readonly origin?: string;
  readonly tab?: unknown;
}

/** This extension as senders are compared with it: its ID and the base URL of its pages (`runtime.getURL('/')`, e.g. `chrome-extension://<id>/`). */
export interface ExtensionIdentity {
  readonly id: string;
  readonly baseUrl: string;
}

/** `scheme://host[:port]` of a URL, also for `chrome-extension:` and `moz-extension:` (whose WHATWG `origin` is `"null"`). */
function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.host === '' ? undefined : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/**
 * Tells who sent a message (see {@link SenderKind}). Our own extension ID is required; then a
 * document of the extension's origin is an extension page, a tab on {@link SPOTIFY_ORIGIN} is the
 * content script, and anything else, or a sender whose `origin` disagrees with its `url`, is
 * `other`.
 */
export function senderKind(sender: MessageSenderLike, self: ExtensionIdentity): SenderKind {
  if (sender.id !== self.id) return 'other';
  const origin = originOf(sender.url);
  if (origin === undefined) return 'other';
  if (sender.origin !== undefined && sender.origin !== origin) return 'other';
  if (origin === originOf(self.baseUrl)) return 'extension-page';
  if (origin === SPOTIFY_ORIGIN && sender.tab !== undefined && sender.tab !== null) return 'spotify-tab';
  return 'other';
}

/** What a handler may know of who asked, besides the request: the sender's tab, when it has one. */
export interface MessageContext {
  /** `sender.tab.id`: the tab of a content script (or of an extension page open in a tab). */
  readonly tabId?: number;
}

/** The {@link MessageContext} of `sender`. */
export function contextOf(sender: MessageSenderLike): MessageContext {
  const tab = sender.tab;
  if (typeof tab !== 'object' || tab === null) return {};
  const id: unknown = Reflect.get(tab, 'id');
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? { tabId: id } : {};
}

/** A message refused before any handler ran: unknown type, or a sender the type is not open to. */
export class MessageRefusedError extends Error {
  override readonly name = 'MessageRefusedError';
}

/** A request that does not match its message's schema (the zod issues, as one sentence). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** The answer on the wire (@webext-core/messaging's format): the response, or a serialized error. */
export type WireReply = { readonly res: unknown } | { readonly err: unknown };

/** A message in @webext-core/messaging's wire format; anything else is not for us. */
const WireMessageSchema = z.object({ type: z.string().max(100), data: z.unknown(), timestamp: z.number() });

/** What {@link createMessageRouter} needs. */
export interface MessageRouterDeps {
  readonly handlers: MessageHandlers;
  readonly self: ExtensionIdentity;
  /** Where refusals are reported (once per message type and sender kind). */
  readonly log?: Pick<Console, 'warn'>;
}

/**
 * The background's receiver of every runtime message. In this order, before any handler runs:
 * a message not in the wire format gets no answer (`undefined`); an unknown type (including
 * inherited names such as `constructor` or `toString`) and a sender that the type's
 * `PROTOCOL[type].senders` does not list are refused with {@link MessageRefusedError}; a
 * request that fails its schema is refused with {@link InvalidRequestError}. Then the handler
 * runs; its error is serialized into the answer. The returned promise never rejects.
 */
export function createMessageRouter(deps: MessageRouterDeps): (message: unknown, sender: MessageSenderLike) => Promise<WireReply> | undefined {
  const log = deps.log ?? console;
  const reported = new Set<string>();
  const refuse = (error: Error): Promise<WireReply> => Promise.resolve({ err: serializeError(error) });

  async function dispatch<N extends MessageName>(name: N, data: unknown, context: MessageContext): Promise<unknown> {
    const parsed = PROTOCOL[name].request.safeParse(data);
    if (!parsed.success) throw new InvalidRequestError(`Invalid ${name} request: ${z.prettifyError(parsed.error)}`);
    // TypeScript cannot relate PROTOCOL[N]'s parsed type to handlers[N]'s parameter; the parse above is the check.
    const handler = deps.handlers[name] as (request: unknown, context: MessageContext) => Promise<unknown>;
    return handler(parsed.data, context);
  }

  return (message, sender) => {
    const wire = WireMessageSchema.safeParse(message);
    if (!wire.success) return undefined;
    const { type, data } = wire.data;
    const kind = senderKind(sender, deps.self);
    if (!isMessageName(type)) return refuse(new MessageRefusedError(`Unknown message type "${type}".`));
    const allowed: readonly SenderKind[] = PROTOCOL[type].senders;
    if (!allowed.includes(kind)) {
      const key = `${type}/${kind}`;
      if (!reported.has(key)) {
        reported.add(key);
        log.warn(`Playlist Predictor: refused "${type}" from ${kind === 'other' ? 'an unknown sender' : `a ${kind}`} (${sender.url ?? 'no URL'})`);
      }
      return refuse(new MessageRefusedError(`"${type}" is not accepted from ${kind === 'spotify-tab' ? 'a Spotify page' : 'this sender'}.`));
    }
    return dispatch(type, data, contextOf(sender)).then(
      (res) => ({ res }),
      (error: unknown) => ({ err: serializeError(error) }),
    );
  };
}

/** The part of `browser.runtime.onMessage` the router is registered with (swappable in tests). */
export interface RuntimeMessageEvent {
  addListener(listener: (message: unknown, sender: MessageSenderLike, sendResponse: (reply: unknown) => void) => boolean | undefined): void;
  removeListener(listener: (message: unknown, sender: MessageSenderLike, sendResponse: (reply: unknown) => void) => boolean | undefined): void;
}

/**
 * Registers `route` on `onMessage` (by default `browser.runtime.onMessage`): a message with an
 * answer keeps the channel open (`return true`) and answers through `sendResponse`, which works
 * in Chromium and Firefox alike. Returns a function that removes the listener.
 */
export function listenForMessages(route: (message: unknown, sender: MessageSenderLike) => Promise<WireReply> | undefined, onMessage: RuntimeMessageEvent = browser.runtime.onMessage): () => void {
  const listener = (message: unknown, sender: MessageSenderLike, sendResponse: (reply: unknown) => void): boolean => {
    const reply = route(message, sender);
    if (reply === undefined) return false;
    void reply.then(sendResponse);
    return true;
  };
  onMessage.addListener(listener);
  return () => onMessage.removeListener(listener);
}
