/**
 * The live feed: `GET /v1/events/stream` read with @microsoft/fetch-event-source, which sends the
 * bearer header (a browser's EventSource cannot) and resumes with Last-Event-ID after a break.
 */
import { fetchEventSource } from '@microsoft/fetch-event-source';
import type { EventView, StatusChange } from './api.js';

/** What the page does with the stream's messages. */
export interface LiveHandlers {
  onEvent(e: EventView): void;
  onStatus(changes: StatusChange[]): void;
  /** connected, reconnecting (with why) or refused (the token is no longer valid). */
  onState(state: 'connected' | 'reconnecting' | 'refused', why?: string): void;
}

class Refused extends Error {}

/** Opens the stream until `signal` aborts; reconnects (resuming) whenever it ends or breaks. */
export function openLiveStream(token: string, handlers: LiveHandlers, signal: AbortSignal): void {
  void fetchEventSource('/v1/events/stream', {
    headers: { authorization: `Bearer ${token}` },
    signal,
    openWhenHidden: true,
    onopen: async (res) => {
      if (res.status === 401 || res.status === 403) throw new Refused(`HTTP ${res.status}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      handlers.onState('connected');
    },
    onmessage: (m) => {
      if (m.event === 'event') handlers.onEvent(JSON.parse(m.data) as EventView);
      else if (m.event === 'status')
        handlers.onStatus((JSON.parse(m.data) as { changes: StatusChange[] }).changes);
      else if (m.event === 'end')
        handlers.onState('reconnecting', (JSON.parse(m.data) as { message: string }).message);
    },
    onclose: () => {
      // The server ended the stream (dropped as too slow, or shutting down): resume from the last id.
      throw new Error('stream ended');
    },
    onerror: (err: unknown) => {
      if (err instanceof Refused) {
        handlers.onState('refused', err.message);
        throw err; // stops retrying
      }
      handlers.onState('reconnecting', err instanceof Error ? err.message : String(err));
      return 2000;
    },
  }).catch(() => undefined);
}
