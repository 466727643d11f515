/**
 * A pure server-sent-events frame parser (the WHATWG event-stream rules): feed it decoded
 * text chunks as they arrive, get complete frames back. Comment lines (`: hb`) are counted as
 * heartbeats, not frames. No I/O, no timers: tested from strings.
 */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
  retry: number | null;
}

export interface ParseResult {
  frames: SseFrame[];
  heartbeats: number;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  private retry: number | null = null;
  private hasField = false;
  /** The last id seen, kept across frames: what Last-Event-ID resumes from. */
  lastEventId: string | null = null;

  push(chunk: string): ParseResult {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    let heartbeats = 0;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (line === '') {
        const frame = this.dispatch();
        if (frame) frames.push(frame);
      } else if (line.startsWith(':')) {
        heartbeats++;
      } else {
        this.field(line);
      }
    }
    return { frames, heartbeats };
  }

  private field(line: string): void {
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.hasField = true;
    switch (name) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec says
    }
  }

  private dispatch(): SseFrame | null {
    if (this.id !== null) this.lastEventId = this.id;
    const frame: SseFrame = {
      id: this.id,
      event: this.event || 'message',
      data: this.data.join('\n'),
      retry: this.retry,
    };
    const had = this.hasField && (this.data.length > 0 || this.event !== '');
    this.data = [];
    this.event = '';
    this.id = null;
    this.retry = null;
    this.hasField = false;
    return had ? frame : null;
  }
}
