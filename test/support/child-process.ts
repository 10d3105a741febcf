import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Lines a process's log keeps for a failing test to show; older ones are dropped. */
const LOG_LINES_MAX = 2_000;
export const STOP_TIMEOUT_MS = 20_000;

export type LogLine = Record<string, unknown> & { readonly msg?: string };

/** One of the platform's entry points (`scripts/<name>.ts`) as a real OS process, its JSON log read line by line. */
export type ChildProcess = {
  readonly name: string;
  readonly pid: number;
  readonly lines: LogLine[];
  exited(): boolean;
  /** Resolves with the first log line that matches, or throws past the deadline (or when the process died). */
  logged(matches: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** kill -9: no handler runs, sockets close as the kernel reaps the process. */
  crash(): Promise<void>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
  /** The last lines of its log and stderr, for a failure message. */
  tail(): string;
};

export const startChildProcess = (name: string, script: string, args: readonly string[], env: Readonly<Record<string, string>>): ChildProcess => {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => { exitCode = code; resolve(code); }));
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      try { lines.push(JSON.parse(line) as LogLine); } catch { lines.push({ msg: line }); }
      if (lines.length > LOG_LINES_MAX) lines.shift();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => { stderr.push(chunk.toString('utf8')); if (stderr.length > LOG_LINES_MAX) stderr.shift(); });
  const tail = () => `${name} (pid ${child.pid}):\n${lines.slice(-30).map((l) => JSON.stringify(l)).join('\n')}\n${stderr.join('').slice(-3_000)}`;
  return {
    name,
    pid: child.pid!,
    lines,
    exited: () => exitCode !== undefined,
    logged: async (matches, what, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(matches);
        if (found !== undefined) return found;
        if (exitCode !== undefined) throw new Error(`${name} exited (${exitCode}) before ${what}\n${tail()}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    crash: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGKILL');
      await exit;
    },
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    tail,
  };
};
