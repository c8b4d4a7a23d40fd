/**
 * The downlink's record framing: [u32 BE length][message], cut back into messages from chunks
 * that split records anywhere, JSON told from terminal frames by the first byte.
 */
import { describe, expect, it } from 'vitest';
import {
  DOWNLINK_RECORD_HEADER_BYTES,
  DownlinkRecordSplitter,
  downlinkRecordHeader,
  isJsonRecord,
  MAX_DOWNLINK_RECORD_BYTES,
} from '../../../../app/shared/rpc/downlinkRecords';
import { encodeTerminalFrame } from '../../../../app/shared/rpc/terminalFrames';

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

function record(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOWNLINK_RECORD_HEADER_BYTES + message.byteLength);
  out.set(downlinkRecordHeader(message.byteLength), 0);
  out.set(message, DOWNLINK_RECORD_HEADER_BYTES);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A splitter that keeps copies of what it hands on (the views may share a reused buffer). */
function collecting() {
  const messages: Uint8Array[] = [];
  const splitter = new DownlinkRecordSplitter((message) => messages.push(message.slice()));
  return { splitter, messages };
}

const json = utf8(JSON.stringify({ type: 'result', id: 1, ok: true, value: 'ünïcödé' }));
const output = encodeTerminalFrame({ type: 'output', streamId: 7, data: utf8('hello\r\n') });
const oneByte = bytes(5);
const stream = concat(record(json), record(output), record(oneByte));

describe('downlink records', () => {
  it('lays a header out as the length, u32 big-endian', () => {
    expect([...downlinkRecordHeader(1)]).toEqual([0, 0, 0, 1]);
    expect([...downlinkRecordHeader(0x00a0b0c)]).toEqual([0, 0x0a, 0x0b, 0x0c]);
    expect([...downlinkRecordHeader(0x10203)]).toEqual([0, 1, 2, 3]);
    expect([...downlinkRecordHeader(MAX_DOWNLINK_RECORD_BYTES)]).toEqual([1, 0, 0, 0]);
  });

  it.each([0, -1, MAX_DOWNLINK_RECORD_BYTES + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a header for %s bytes with a RangeError', (length) => {
    expect(() => downlinkRecordHeader(length)).toThrow(RangeError);
  });

  it('tells JSON text from terminal frames by the first byte', () => {
    expect(isJsonRecord(json)).toBe(true);
    expect(isJsonRecord(utf8('{}'))).toBe(true);
    expect(isJsonRecord(output)).toBe(false);
    expect(isJsonRecord(oneByte)).toBe(false);
    expect(isJsonRecord(utf8('[1]'))).toBe(false);
    expect(isJsonRecord(bytes())).toBe(false);
  });

  it('hands on every record of one chunk, in order', () => {
    const { splitter, messages } = collecting();
    expect(splitter.push(stream)).toBeNull();
    expect(messages).toEqual([json, output, oneByte]);
    expect(messages.map(isJsonRecord)).toEqual([true, false, false]);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('gives the same messages however two chunks split the stream, inside a header included', () => {
    for (let cut = 0; cut <= stream.byteLength; cut++) {
      const { splitter, messages } = collecting();
      expect(splitter.push(stream.subarray(0, cut))).toBeNull();
      expect(splitter.push(stream.subarray(cut))).toBeNull();
      expect(messages, `cut at ${cut}`).toEqual([json, output, oneByte]);
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  it('gives the same messages when every byte comes alone, and counts what is pending', () => {
    const { splitter, messages } = collecting();
    const ends = [record(json).byteLength, record(json).byteLength + record(output).byteLength, stream.byteLength];
    let begun = 0;
    for (let i = 0; i < stream.byteLength; i++) {
      expect(splitter.push(stream.subarray(i, i + 1))).toBeNull();
      const done = ends.filter((end) => end <= i + 1).length;
      expect(messages).toHaveLength(done);
      if (ends.includes(i + 1)) begun = i + 1;
      expect(splitter.pendingBytes).toBe(i + 1 - begun);
    }
    expect(messages).toEqual([json, output, oneByte]);
  });

  it('takes empty chunks without effect', () => {
    const { splitter, messages } = collecting();
    expect(splitter.push(bytes())).toBeNull();
    expect(splitter.push(stream.subarray(0, 2))).toBeNull();
    expect(splitter.push(bytes())).toBeNull();
    expect(splitter.pendingBytes).toBe(2);
    expect(splitter.push(stream.subarray(2))).toBeNull();
    expect(messages).toEqual([json, output, oneByte]);
  });

  it('hands on a record that lies whole in one chunk as a view of that chunk, no copy', () => {
    const chunk = new Uint8Array(8 + stream.byteLength);
    chunk.set(stream, 8);
    const views: Uint8Array[] = [];
    const splitter = new DownlinkRecordSplitter((message) => views.push(message));
    expect(splitter.push(chunk.subarray(8))).toBeNull();
    expect(views).toHaveLength(3);
    for (const view of views) expect(view.buffer).toBe(chunk.buffer);
    expect(views[0]!.byteOffset).toBe(8 + DOWNLINK_RECORD_HEADER_BYTES);
    expect(views).toEqual([json, output, oneByte]);
  });

  it('copies a record begun in one chunk and ended in the next, and keeps no view of the first chunk', () => {
    const first = stream.slice(0, 10);
    const views: Uint8Array[] = [];
    const splitter = new DownlinkRecordSplitter((message) => views.push(message));
    expect(splitter.push(first)).toBeNull();
    expect(splitter.pendingBytes).toBe(10);
    first.fill(0xee); // the producer reuses its buffer: the splitter must have copied
    expect(splitter.push(stream.slice(10))).toBeNull();
    expect(views).toEqual([json, output, oneByte]);
    expect(views[0]!.buffer).not.toBe(first.buffer);
  });

  it('after a record split across chunks, hands on the records whole in the next chunk as views of it', () => {
    const first = stream.slice(0, 10);
    const second = stream.slice(10);
    const views: Uint8Array[] = [];
    const splitter = new DownlinkRecordSplitter((message) => views.push(message));
    splitter.push(first);
    splitter.push(second);
    expect(views).toEqual([json, output, oneByte]);
    expect(views[1]!.buffer).toBe(second.buffer);
    expect(views[2]!.buffer).toBe(second.buffer);
  });

  it('copies a large record that arrives in many chunks once, not once per chunk', () => {
    const big = new Uint8Array(8 * 1024 * 1024).fill(3);
    const whole = record(big);
    const messages: Uint8Array[] = [];
    const splitter = new DownlinkRecordSplitter((message) => messages.push(message));
    for (let at = 0; at < whole.byteLength; at += 64 * 1024) {
      expect(splitter.push(whole.subarray(at, at + 64 * 1024))).toBeNull();
      // Pending is the record so far, never a growing concatenation of chunks.
      if (messages.length === 0) expect(splitter.pendingBytes).toBe(Math.min(whole.byteLength, at + 64 * 1024));
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]!.byteLength).toBe(big.byteLength);
    expect(messages[0]![big.byteLength - 1]).toBe(3);
  });

  it('takes a record of the largest size', () => {
    const big = new Uint8Array(MAX_DOWNLINK_RECORD_BYTES).fill(9);
    big[0] = 1;
    const seen: number[] = [];
    const splitter = new DownlinkRecordSplitter((message) => seen.push(message.byteLength));
    const whole = record(big);
    expect(splitter.push(whole.subarray(0, 3))).toBeNull();
    expect(splitter.push(whole.subarray(3, 1 << 20))).toBeNull();
    expect(splitter.push(whole.subarray(1 << 20))).toBeNull();
    expect(seen).toEqual([MAX_DOWNLINK_RECORD_BYTES]);
  });

  it.each([
    ['a length of 0', bytes(0, 0, 0, 0, 1)],
    ['a length over the limit', concat(bytes(1, 0, 0, 1), bytes(1))],
    ['a length of 2^32-1', bytes(0xff, 0xff, 0xff, 0xff)],
  ])('breaks the stream on %s, and stays broken', (_name, bad) => {
    const { splitter, messages } = collecting();
    expect(splitter.push(record(output))).toBeNull();
    const error = splitter.push(bad);
    expect(error).toEqual(expect.any(String));
    expect(error).toMatch(/downlink record/);
    expect(splitter.push(record(oneByte))).toEqual(expect.any(String));
    expect(splitter.push(bytes())).toEqual(expect.any(String));
    expect(messages).toEqual([output]);
  });

  it('breaks the stream on a bad length whose header straddles two chunks', () => {
    const { splitter, messages } = collecting();
    expect(splitter.push(bytes(0, 0))).toBeNull();
    expect(splitter.push(bytes(0, 0, 1))).toEqual(expect.any(String));
    expect(splitter.push(record(oneByte))).toEqual(expect.any(String));
    expect(messages).toEqual([]);
  });

  it('hands on records before a bad one in the same chunk', () => {
    const { splitter, messages } = collecting();
    expect(splitter.push(concat(record(json), bytes(0, 0, 0, 0), record(oneByte)))).toEqual(expect.any(String));
    expect(messages).toEqual([json]);
  });
});
