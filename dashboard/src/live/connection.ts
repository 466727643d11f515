/**
 * The stream connection: `GET /api/v1/stream` read with fetch + ReadableStream (EventSource
 * cannot send the Bearer header), frames parsed by SseParser, merged by mergeEvent. Alerts are
 * among the topics because the header's badge (every page) and the alert pages read them.
 * Reconnects with jittered backoff and Last-Event-ID; a 404 means the master has no stream
 * yet, so the dashboard polls instead (and looks again now and then). A silent stream (no
 * heartbeat for 45 s) is treated as dead.
 */
import type { QueryClient } from '@tanstack/react-query';
import { authFetch } from '../api/client';
import { keys } from '../api/keys';
import { backoffDelay } from './backoff';
import { mergeEvents, toEvent, type StreamEvent } from './merge';
import { markRecent } from './recent';
import { SseParser } from './sse';
import { setLiveStatus } from './status';

const TOPICS = 'clusters,resources,findings,commands,alerts';
const SILENCE_MS = 45_000;
const NO_STREAM_RETRY_MS = 60_000;
const SUMMARY_DEBOUNCE_MS = 2_000;
// Events are applied in batches at most this often: under churn one pass per list instead of
// one copy of a 5,000-item list per event (well inside the 500 ms visible-change budget).
const FLUSH_MS = 150;

export class LiveConnection {
  private abort: AbortController | null = null;
  private stopped = true;
  private attempt = 0;
  private connects = 0;
  private lastEventId: string | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private summaryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private pending: StreamEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly client: QueryClient;

  constructor(client: QueryClient) {
    this.client = client;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending = [];
    this.abort?.abort();
    this.abort = null;
    setLiveStatus({ mode: 'off', retryAt: null });
  }

  private schedule(ms: number, mode: 'paused' | 'polling'): void {
    if (this.stopped) return;
    setLiveStatus({ mode, retryAt: Date.now() + ms });
    // No stream on this master: polling takes over at once (refetch what is on screen, the
    // interval keeps it fresh). A dropped stream resumes from Last-Event-ID instead.
    if (mode === 'polling') void this.client.invalidateQueries();
    this.retryTimer = setTimeout(() => void this.connect(), ms);
  }

  private armSilence(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.abort?.abort(), SILENCE_MS);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.abort = new AbortController();
    this.connects++;
    setLiveStatus({ mode: 'connecting', retryAt: null });
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    try {
      const res = await authFetch(`stream?topics=${TOPICS}`, {
        headers,
        signal: this.abort.signal,
      });
      if (res.status === 404) return this.schedule(NO_STREAM_RETRY_MS, 'polling');
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      this.attempt = 0;
      setLiveStatus({ mode: 'live', lastEventAt: Date.now() });
      await this.read(res.body);
    } catch {
      // aborted, network or server error: fall through to reconnect
    }
    clearTimeout(this.silenceTimer);
    if (!this.stopped) this.schedule(backoffDelay(this.attempt++), 'paused');
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = body.getReader();
    this.armSilence();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.armSilence();
      const { frames } = parser.push(decoder.decode(value, { stream: true }));
      if (parser.lastEventId) this.lastEventId = parser.lastEventId;
      for (const f of frames) {
        const ev = toEvent(f.event, f.data);
        if (!ev) continue;
        if (ev.type === 'resync') {
          // The first stream's hello races the pages' own first fetches: nothing to refetch.
          if (ev.data.reason === 'hello' && this.connects === 1) continue;
          // A client a whole ring behind is cut off: the next stream starts fresh.
          if (ev.data.reason === 'behind') this.lastEventId = null;
        }
        this.pending.push(ev);
      }
      if (this.pending.length && this.flushTimer === undefined)
        this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
      if (frames.length) setLiveStatus({ lastEventAt: Date.now() });
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    markRecent(mergeEvents(this.client, batch).inserted);
    for (const ev of batch)
      if (ev.type === 'resource' || ev.type === 'finding') this.touchSummary(ev.data.cluster);
  }

  /** Summaries are counts the events do not carry: refetch them, at most every 2 s. */
  private touchSummary(cluster: string): void {
    if (this.summaryTimers.has(cluster)) return;
    this.summaryTimers.set(
      cluster,
      setTimeout(() => {
        this.summaryTimers.delete(cluster);
        void this.client.invalidateQueries({ queryKey: keys.summary(cluster) });
      }, SUMMARY_DEBOUNCE_MS),
    );
  }
}
