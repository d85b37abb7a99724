// Real Jaeger thrift payloads for the tests and the bench: Debian's thrift compiler generates Python
// from Jaeger's IDL (tests/fixtures/jaeger-idl) and python3-thrift encodes the golden batch of
// jaeger_send.py with it, as jaeger-client does. A missing compiler or module fails the suite.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './serve-process.js';

export const PYTHON = '/usr/bin/python3';
const IDL = join(ROOT, 'tests', 'fixtures', 'jaeger-idl');
export const JAEGER_SEND = join(IDL, 'jaeger_send.py');

/** A folder of Python generated from agent.thrift (and the files it includes); remove it when done. */
export function generateJaegerPython(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-jaeger-gen-'));
  execFileSync('thrift', ['-r', '--gen', 'py', '-out', dir, join(IDL, 'agent.thrift')]);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The golden batch's bytes: an Agent.emitBatch message (compact or binary) or the collector's binary Batch. */
export function jaegerBytes(genDir: string, what: 'compact' | 'binary' | 'http'): Buffer {
  return execFileSync(PYTHON, [JAEGER_SEND, genDir, 'dump', what]);
}

/** `count` Agent.emitBatch messages of 100 spans each with distinct ids (the bench's requests). */
export function jaegerBenchMessages(genDir: string, protocol: 'compact' | 'binary', count: number): Buffer[] {
  const out = execFileSync(PYTHON, [JAEGER_SEND, genDir, 'bench', protocol, String(count)], { maxBuffer: 1024 * 1024 * 1024 });
  const messages: Buffer[] = [];
  for (let at = 0; at < out.length;) {
    const n = out.readUInt32BE(at);
    messages.push(out.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return messages;
}
