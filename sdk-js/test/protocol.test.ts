/**
 * The codec against the shared vectors in docs/protocol/vectors (the server's CodecVectorsTest
 * reads the same files), plus the codec's own edge cases.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../src/errors.js';
import {
  CLIENT_MESSAGE_TYPES,
  SERVER_MESSAGE_TYPES,
  decodeClient,
  decodeServer,
  encodeClient,
  encodeServer,
  peekId,
} from '../src/protocol.js';

/** dist-test/test/ → sdk-js/ → the repository's docs; BIFROST_VECTORS overrides. */
const VECTORS = process.env.BIFROST_VECTORS
  ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/protocol/vectors');

interface Vector {
  description: string;
  direction: 'client' | 'server';
  message?: { type: string; [k: string]: unknown };
  raw?: string;
  error?: { code: string; id?: string };
}

function vectorFiles(): string[] {
  return readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort();
}

function read(file: string): Vector {
  return JSON.parse(readFileSync(path.join(VECTORS, file), 'utf8')) as Vector;
}

function decodeFailure(raw: string): ProtocolError {
  try {
    decodeClient(raw);
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e;
  }
  assert.fail(`decodeClient accepted ${raw.slice(0, 80)}`);
}

describe('shared protocol vectors', () => {
  const files = vectorFiles();

  test('the vector folder is found and not empty', () => {
    assert.ok(files.length > 0, `no vectors in ${VECTORS}`);
  });

  for (const file of files) {
    test(file, () => {
      const vector = read(file);
      assert.ok(vector.description && vector.description.trim(), 'description');
      assert.ok(vector.direction === 'client' || vector.direction === 'server', 'direction');
      if (file.startsWith('invalid-')) {
        assert.equal(vector.direction, 'client', 'invalid vectors are client frames');
        assert.equal(typeof vector.raw, 'string', 'raw');
        assert.ok(vector.error, 'error');
        const e = decodeFailure(vector.raw as string);
        assert.equal(e.code, vector.error.code, `code (${e.message})`);
        assert.equal(e.requestId, vector.error.id, `request id (${e.message})`);
        assert.ok(e.message.trim(), 'a message for people');
        return;
      }
      assert.ok(file.startsWith(`${vector.direction}-`), 'the file name starts with its direction');
      const message = vector.message;
      assert.ok(message && typeof message === 'object', 'message');
      const text = JSON.stringify(message);
      const encoded = vector.direction === 'client'
        ? encodeClient(decodeClient(text))
        : encodeServer(decodeServer(text));
      assert.deepEqual(JSON.parse(encoded), message);
    });
  }

  test('every message type of both directions has a vector', () => {
    const client = new Set<string>();
    const server = new Set<string>();
    for (const file of files.filter((f) => !f.startsWith('invalid-'))) {
      const vector = read(file);
      (vector.direction === 'client' ? client : server).add(String(vector.message?.type));
    }
    assert.deepEqual([...CLIENT_MESSAGE_TYPES].filter((t) => !client.has(t)), [], 'client types without a vector');
    assert.deepEqual([...SERVER_MESSAGE_TYPES].filter((t) => !server.has(t)), [], 'server types without a vector');
  });
});

describe('client codec', () => {
  test('chat text of exactly 4096 UTF-16 code units is accepted, one more is not', () => {
    const text = 'z'.repeat(4094) + '\u{1F600}'; // an emoji counts two, as JavaScript's length does
    assert.equal(text.length, 4096);
    assert.deepEqual(decodeClient(JSON.stringify({ type: 'chat', id: 'c9', text })), { type: 'chat', id: 'c9', text });
    assert.equal(decodeFailure(JSON.stringify({ type: 'chat', id: 'c9', text: text + 'z' })).requestId, 'c9');
  });

  test('a frame holding two messages is a bad-request', () => {
    const e = decodeFailure('{"type":"ping","id":"k3"}{"type":"leave","id":"l1"}');
    assert.equal(e.code, 'bad-request');
  });

  test('nesting deeper than the server allows is a bad-request that keeps the id', () => {
    const deep = '['.repeat(40) + ']'.repeat(40);
    const e = decodeFailure(`{"type":"candidate","id":"i9","to":"p_0b8n3c5v2zrt","candidate":{"candidate":"c","extra":${deep}}}`);
    assert.equal(e.requestId, 'i9');
    assert.match(e.message, /^malformed JSON/);
  });

  test('a candidate with a few nested levels is well within the limit', () => {
    const frame = '{"type":"candidate","id":"i8","to":"p_0b8n3c5v2zrt","candidate":{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","x-vendor":{"a":{"b":[{"c":[1]}]}}}}';
    const decoded = decodeClient(frame);
    assert.equal(decoded.type, 'candidate');
  });

  test('unknown fields are ignored and a request without id has none', () => {
    assert.deepEqual(decodeClient('{"type":"ping","id":"k2","sentAt":1,"x":{"y":[]}}'), { type: 'ping', id: 'k2' });
    assert.deepEqual(decodeClient('{"type":"leave"}'), { type: 'leave' });
    assert.equal(encodeClient({ type: 'leave' }), '{"type":"leave"}');
  });

  test('an unknown type is echoed abbreviated without splitting an emoji', () => {
    const e = decodeFailure(JSON.stringify({ type: 'a'.repeat(31) + '\u{1F600}'.repeat(20), id: 'u10' }));
    assert.equal(e.requestId, 'u10');
    assert.ok(e.message.length < 100);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(e.message), 'no lone high surrogate');
  });
});

describe('server codec', () => {
  test('unknown extra fields never make a server frame fail', () => {
    const frame = {
      type: 'joined', protocol: 1, room: 'demo', sessionId: 's_1', future: { anything: [1, 2] },
      participant: { id: 'p_a', identity: 'a', name: 'A', role: 'host', metadata: '', avatar: 'x' },
      participants: [], iceServers: [{ urls: 'stun:s', credentialType: 'password' }], pingInterval: 1, pingTimeout: 2, seq: 3,
    };
    const decoded = decodeServer(JSON.stringify(frame));
    assert.equal(decoded.type, 'joined');
    assert.deepEqual(JSON.parse(encodeServer(decoded)).participant, {
      id: 'p_a', identity: 'a', name: 'A', role: 'host', metadata: '', handRaised: false, muted: false, publishing: false,
    });
    assert.equal(decoded.type === 'joined' && decoded.mode, 'mesh', 'a server without modes has mesh rooms');
    assert.deepEqual(decodeServer('{"type":"pong","id":"k1","serverTime":5}'), { type: 'pong', id: 'k1' });
  });

  test('an error with a code protocol v1 does not define is refused', () => {
    assert.throws(() => decodeServer('{"type":"error","id":"o4","code":"teapot","message":"short and stout"}'), ProtocolError);
  });

  test('an unknown server type is refused, abbreviated', () => {
    assert.throws(() => decodeServer(JSON.stringify({ type: 'y'.repeat(1000) })), (e: unknown) =>
      e instanceof ProtocolError && e.message.length < 100);
  });

  test('a listeners frame decodes to its count and listed flag, and encodes back', () => {
    const frame = decodeServer('{"type":"listeners","count":120,"listed":false,"future":1}');
    assert.deepEqual(frame, { type: 'listeners', count: 120, listed: false });
    assert.equal(encodeServer(frame), '{"type":"listeners","count":120,"listed":false}');
    assert.deepEqual(decodeServer('{"type":"listeners","count":0,"listed":true}'), { type: 'listeners', count: 0, listed: true });
  });

  test('a listeners frame without a whole count or a listed flag is refused', () => {
    for (const frame of [
      '{"type":"listeners","count":"120","listed":false}',
      '{"type":"listeners","count":-1,"listed":true}',
      '{"type":"listeners","count":1.5,"listed":true}',
      '{"type":"listeners","listed":true}',
      '{"type":"listeners","count":3}',
      '{"type":"listeners","count":3,"listed":"false"}',
    ]) {
      assert.throws(() => decodeServer(frame), (e: unknown) => e instanceof ProtocolError && e.code === 'bad-request', frame);
    }
  });

  test('a frame missing a field the SDK needs is refused', () => {
    assert.throws(() => decodeServer('{"type":"chat","seq":1,"from":"p_a","ts":1}'), ProtocolError);
    assert.throws(() => decodeServer('{"type":"participant-joined","seq":1}'), ProtocolError);
  });
});

describe('peekId', () => {
  test('reads the top-level id of a large frame, not a nested one', () => {
    const sdp = 'a=x-filler:0123456789abcdef\\r\\n'.repeat(4096);
    assert.equal(peekId(`{"type":"offer","id":"o9","to":"p","sdp":"${sdp}"}`), 'o9');
    assert.equal(peekId(`{"type":"offer","to":"p","candidate":{"nested":[1,2,{"id":"inner"}]},"id":"o10"}`), 'o10');
  });

  test('gives nothing when there is no usable id', () => {
    for (const frame of ['{"type":"ping"}', '{"type":"ping","id":17}', '{"type":"ping","id":""}',
      `{"type":"ping","id":"${'k'.repeat(65)}"}`, '[{"id":"k1"}]', 'not json', '']) {
      assert.equal(peekId(frame), undefined, frame.slice(0, 40));
    }
  });

  test('reads the id of a frame cut off after it', () => {
    assert.equal(peekId('{"id":"k1","type":"chat","text":"unterminat'), 'k1');
  });
});
