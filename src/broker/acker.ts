// Acks in batches, without ever acking a message that has not finished.
import type { Channel, ConsumeMessage } from 'amqplib';

/** What the Acker needs of a channel (an amqplib Channel has it). */
export type AckChannel = Pick<Channel, 'ack'>;

/**
 * Acks successes in batches: one `multiple` ack for the longest run of finished deliveries
 * at the head of the channel's window, single acks for finished ones behind a slow message
 * (so a long action never holds the prefetch window hostage). Flushed once per event-loop turn.
 */
export class Acker {
  private window: ConsumeMessage[] = [];
  private done = new Set<number>();
  private scheduled = false;
  constructor(private readonly ch: AckChannel) {}

  received(msg: ConsumeMessage): void {
    this.window.push(msg);
  }
  ack(msg: ConsumeMessage): void {
    this.done.add(msg.fields.deliveryTag);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
  /** A message settled on its own (nack, requeue, dead-letter): it leaves the batch window. */
  settled(msg: ConsumeMessage): void {
    this.window = this.window.filter((m) => m !== msg);
  }
  private flush(): void {
    this.scheduled = false;
    let head: ConsumeMessage | undefined;
    while (this.window.length && this.done.has(this.window[0]!.fields.deliveryTag)) {
      head = this.window.shift()!;
      this.done.delete(head.fields.deliveryTag);
    }
    try {
      if (head) this.ch.ack(head, true);
      if (this.done.size) {
        this.window = this.window.filter((m) => {
          if (!this.done.has(m.fields.deliveryTag)) return true;
          this.ch.ack(m);
          return false;
        });
        this.done.clear();
      }
    } catch {
      // the channel closed: unacked messages are redelivered, which consumers tolerate
    }
  }
}
