import pino from 'pino';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { epochMs, send, symbolName, type ParentCommand } from './fanout-shared';

/** Publishes quotes round-robin over the universe at FANOUT_RATE per second for FANOUT_PUBLISH_S seconds, then exits. */
export const PUBLISH_TICK_MS = 5;

const main = async (): Promise<void> => {
  const logger = pino({ name: 'bench-fanout-publisher' });
  const ratePerSecond = Number(process.env.FANOUT_RATE ?? 10_000);
  const seconds = Number(process.env.FANOUT_PUBLISH_S ?? 20);
  const symbols = Number(process.env.FANOUT_SYMBOLS ?? 1_000);
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: process.env.FANOUT_PREFIX ?? '', name: 'bench-fanout-publisher' });
  const encoder = new TextEncoder();
  const startedMs = epochMs();
  let published = 0;
  let next = 0;
  // Prices move in integer ticks of $0.0001 and leave as decimal strings.
  const price = (ticks: number): string => `${Math.floor(ticks / 10_000)}.${String(ticks % 10_000).padStart(4, '0')}`;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearInterval(timer);
    void bus.close().then(() => {
      logger.info({ published }, 'publisher done');
      if (process.connected) send({ type: 'published', published });
      process.exit(0);
    });
  };
  // The bench stops it with the other processes when the measurement ends first.
  process.on('message', (command: ParentCommand) => { if (command.type === 'stop') finish(); });
  process.on('disconnect', finish);
  const timer = setInterval(() => {
    const elapsedMs = epochMs() - startedMs;
    if (elapsedMs >= seconds * 1000) {
      finish();
      return;
    }
    const due = Math.floor((elapsedMs * ratePerSecond) / 1000) - published;
    for (let i = 0; i < due; i += 1) {
      const symbol = symbolName(next);
      const bidTicks = 1_000_000 + ((published * 7) % 5_000);
      bus.publish(`md.quote.${symbol}`, encoder.encode(
        // Shaped as ingest writes them, channel last, so the node forwards the bytes; `ts` is a number here, for latency.
        `{"symbol":"${symbol}","bid":"${price(bidTicks)}","ask":"${price(bidTicks + 100)}","last":"${price(bidTicks + 50)}","volume":${published},"ts":${epochMs()},"channel":"quotes"}`,
      ));
      published += 1;
      next = (next + 1) % symbols;
    }
  }, PUBLISH_TICK_MS);
};

void main();
