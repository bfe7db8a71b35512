import { createParser } from 'eventsource-parser';

/** A notification as the stream and the inbox carry it. */
export interface LiveNotification {
  id: string;
  caseId: string | null;
  template: string;
  title: string;
  body: string;
  createdAt: string;
}

type Listener = (n: LiveNotification) => void;
const listeners = new Set<Listener>();

/** Views that show data a notification may change subscribe here and reload on it. */
export function onNotification(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The notification service's live stream (server-sent events) read with fetch, because the
 * browser's EventSource cannot send a Bearer token. Reconnects with Last-Event-ID after a drop, so
 * what was stored meanwhile arrives first; `onState` says whether the stream is up.
 */
export function connectLive(token: () => Promise<string | undefined>, onState: (up: boolean) => void): () => void {
  let stopped = false;
  let lastId: string | undefined;
  let controller: AbortController | undefined;
  const run = async (attempt: number): Promise<void> => {
    if (stopped) return;
    controller = new AbortController();
    try {
      const bearer = await token();
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      if (lastId) headers['last-event-id'] = lastId;
      const response = await fetch('/api/v1/notifications/stream', { headers, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`stream: ${response.status}`);
      onState(true);
      attempt = 0;
      const parser = createParser({
        onEvent(event) {
          if (event.id) lastId = event.id;
          if (event.event !== 'notification') return;
          const notification = JSON.parse(event.data) as LiveNotification;
          for (const l of listeners) l(notification);
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch {
      // Dropped or refused: try again, backing off to 30 s.
    }
    onState(false);
    if (!stopped) setTimeout(() => void run(attempt + 1), Math.min(30_000, 1000 * 2 ** attempt));
  };
  void run(0);
  return () => {
    stopped = true;
    controller?.abort();
  };
}
