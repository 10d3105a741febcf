/** Width of the bar in characters. */
const BAR_CHARS = 30;
/** Redraw at most this often: a terminal write per batch would cost more than the batch on a fast rebuild. */
const REDRAW_INTERVAL_MS = 200;

/** Where the bar goes: a terminal redraws one line, anything else (a pipe, an operator endpoint's stream) gets a line per draw. */
export type ProgressSink = { write(text: string): unknown; readonly isTTY?: boolean };

/** A one-line progress bar on stderr: done / total, rate per second and time left; a total not known yet shows as `?`. */
export const createProgressBar = (unit: string, stream: ProgressSink = process.stderr) => {
  const startedMs = Date.now();
  let lastDrawMs = 0;
  const draw = (done: number, total: number | undefined, label: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastDrawMs < REDRAW_INTERVAL_MS) return;
    lastDrawMs = now;
    const elapsedS = Math.max(0.001, (now - startedMs) / 1000);
    const rate = done / elapsedS;
    const rateText = `${Math.round(rate).toLocaleString('en-US')} ${unit}/s`;
    let line: string;
    if (total === undefined) {
      line = `[${'?'.repeat(BAR_CHARS)}] ${done.toLocaleString('en-US')}/? ${unit}, ${rateText}, ETA ? ${label}`;
    } else {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * BAR_CHARS);
      const etaS = rate > 0 && total > done ? Math.ceil((total - done) / rate) : 0;
      line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_CHARS - filled)}] ${(fraction * 100).toFixed(1)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit}, ${rateText}, ETA ${etaS}s ${label}`;
    }
    stream.write(stream.isTTY ? `\r${line.padEnd(110)}` : `${line}\n`);
  };
  return {
    update: (done: number, total: number | undefined, label = '') => draw(done, total, label),
    finish: (done: number, total: number, label = '') => { draw(done, total, label, true); if (stream.isTTY) stream.write('\n'); },
    elapsedMs: () => Date.now() - startedMs,
  };
};
