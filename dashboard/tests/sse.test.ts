import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/live/sse';

describe('SseParser', () => {
  it('parses a frame with id, event and data', () => {
    const p = new SseParser();
    const { frames } = p.push('id: 7\nevent: cluster\ndata: {"name":"a"}\n\n');
    expect(frames).toEqual([{ id: '7', event: 'cluster', data: '{"name":"a"}', retry: null }]);
    expect(p.lastEventId).toBe('7');
  });

  it('joins frames split across chunks at any byte', () => {
    const text =
      'id: 1\nevent: resource\ndata: {"a":1}\n\nid: 2\nevent: finding\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const frames = [...p.push(text.slice(0, cut)).frames, ...p.push(text.slice(cut)).frames];
      expect(frames.map((f) => f.id)).toEqual(['1', '2']);
    }
  });

  it('counts heartbeat comments without emitting frames', () => {
    const p = new SseParser();
    const r = p.push(': hb\n\n: hb\n\n');
    expect(r.frames).toEqual([]);
    expect(r.heartbeats).toBe(2);
  });

  it('joins multi-line data with newlines and accepts CRLF line ends', () => {
    const p = new SseParser();
    const { frames } = p.push('event: x\r\ndata: one\r\ndata: two\r\n\r\n');
    expect(frames[0]?.data).toBe('one\ntwo');
  });

  it('waits when a chunk ends on a lone CR that may start a CRLF', () => {
    const p = new SseParser();
    expect(p.push('data: a\r').frames).toEqual([]);
    expect(p.push('\n\r\n').frames.map((f) => f.data)).toEqual(['a']);
  });

  it('defaults the event name to message and keeps the last id across frames', () => {
    const p = new SseParser();
    const { frames } = p.push('id: 5\ndata: x\n\ndata: y\n\n');
    expect(frames.map((f) => [f.event, f.id])).toEqual([
      ['message', '5'],
      ['message', null],
    ]);
    expect(p.lastEventId).toBe('5');
  });

  it('reads retry and ignores unknown fields', () => {
    const p = new SseParser();
    const { frames } = p.push('retry: 3000\nfoo: bar\ndata: z\n\n');
    expect(frames[0]?.retry).toBe(3000);
    expect(frames[0]?.data).toBe('z');
  });
});
