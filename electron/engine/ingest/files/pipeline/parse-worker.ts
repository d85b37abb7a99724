// The parse thread: splits and parses the byte streams the engine's loop reads (parse-streams.ts)
// and posts the records back compactly (record-codec.ts), so the loop only writes. Started and
// stopped by ParseHost.
import { parentPort } from 'node:worker_threads';
import { ParseStreams, type ParseRequest } from './parse-streams.js';

const streams = new ParseStreams();
parentPort!.on('message', (req: ParseRequest) => {
  const reply = streams.handle(req);
  parentPort!.postMessage(reply, [reply.records.nums.buffer as ArrayBuffer, reply.records.ints.buffer as ArrayBuffer]);
});
