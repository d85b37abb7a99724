// A command receiver: runs a program (no shell) with the notification's JSON (Alertmanager's
// webhook shape) on its stdin. It runs in a process group of its own, so a timeout kills the
// program and whatever it started (a shell script's children) at once; a non-zero exit, a signal
// or the timeout is a failed delivery (retried), with the end of its stderr as the reason.
import { spawn } from 'node:child_process';
import type { Scheduler } from '../../core/scheduler.js';
import type { CommandConfig } from '../manager/config.js';
import { webhookPayload, type DeliveryOutcome, type Notification, type Notifier } from './notification.js';

/** The end of stderr kept for the error (the last lines say what went wrong). */
const MAX_STDERR = 500;

export class CommandNotifier implements Notifier {
  readonly integration = 'command';
  readonly target: string;
  readonly sendResolved: boolean;

  constructor(
    private readonly config: CommandConfig,
    private readonly scheduler: Scheduler,
  ) {
    this.target = config.command.join(' ');
    this.sendResolved = config.sendResolved;
  }

  send(n: Notification): Promise<DeliveryOutcome> {
    const [program, ...args] = this.config.command;
    return new Promise((resolve, reject) => {
      const child = spawn(program!, args, {
        detached: true,
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, LOUPE_ALERT_STATUS: n.status, LOUPE_ALERT_KIND: n.kind, LOUPE_ALERT_URGENCY: n.urgency },
      });
      let stderr = '';
      let timedOut = false;
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR)));
      const deadline = this.scheduler.after(this.config.timeoutMs, () => {
        timedOut = true;
        killGroup(child.pid);
      });
      child.on('error', (err) => {
        deadline.cancel();
        reject(new Error(`could not run ${program}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        deadline.cancel();
        const said = stderr.trim() ? `: ${stderr.trim()}` : '';
        if (timedOut) reject(new Error(`killed after the ${this.config.timeoutMs} ms timeout${said}`));
        else if (code === 0) resolve(undefined);
        else reject(new Error(`${code !== null ? `exited with status ${code}` : `ended by ${signal ?? 'a signal'}`}${said}`));
      });
      // A program that does not read its stdin must not fail the delivery with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(webhookPayload(n)));
    });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
