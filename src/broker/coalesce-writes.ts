// A patch into amqplib's internals: one socket write per event-loop turn instead of per frame.
import type { ChannelModel } from 'amqplib';
import type { Logger } from '../log.js';

/**
 * amqplib writes each frame (publish, ack) to the socket as its own write, one system call
 * per frame. Corking the socket while amqplib's multiplexer drains its channels turns
 * everything queued in one event-loop turn into a single writev. Reaches into amqplib's
 * connection internals; when they are not where expected, frames are written as before.
 */
export function coalesceWrites(conn: ChannelModel, log: Logger): void {
  const inner = (conn as unknown as { connection?: { stream?: unknown; muxer?: { _readIncoming?: () => void } } })
    .connection;
  const stream = inner?.stream as { cork?: () => void; uncork?: () => void } | undefined;
  const muxer = inner?.muxer;
  const drain = muxer?._readIncoming;
  if (!stream?.cork || !stream.uncork || !muxer || typeof drain !== 'function') {
    log.debug('amqplib internals not as expected; frames are written one by one');
    return;
  }
  muxer._readIncoming = function corked(this: unknown) {
    stream.cork!();
    try {
      drain.call(this);
    } finally {
      stream.uncork!();
    }
  };
}
