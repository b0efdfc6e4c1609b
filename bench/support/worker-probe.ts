// Preloaded (`node --import`) into the worker processes a benchmark spawns, never into production: counts
// every statement the process sends and its PSP calls, and answers the parent over the IPC channel, so a
// measurement over several processes sees as much as the in-process one does.
//
// parent → child: { type: 'reset' } | { type: 'report' }
// child → parent: { type: 'ready' } once the schedules claim loop first claims, then one reply per request (ProbeReply).
import { pspCallsByMethod, resetPspCalls } from './psp-calls.js';
import { QueryCounter, type StatementStats } from './query-counter.js';
import { CLAIM_SCHEDULES_KIND, classifyStatement } from './statement-kinds.js';

export type ProbeRequest = { type: 'reset' } | { type: 'report' };
export type ProbeReply =
  | { type: 'ready' }
  | { type: 'reset' }
  | { type: 'report'; statements: [string, StatementStats][]; pspCalls: Record<string, number> };

const send = (reply: ProbeReply) => process.send?.(reply);

// The claim loops start only once the worker role is wired, so the first schedules claim is the moment this process can take work: the parent waits for it before it starts a clock.
let ready = false;
const counter = new QueryCounter((text) => {
  const kind = classifyStatement(text);
  if (!ready && kind === CLAIM_SCHEDULES_KIND) {
    ready = true;
    send({ type: 'ready' });
  }
  return kind;
});
counter.install();

process.on('message', (message: ProbeRequest) => {
  if (message.type === 'reset') {
    counter.reset();
    resetPspCalls();
    send({ type: 'reset' });
  } else if (message.type === 'report') {
    void pspCallsByMethod().then((calls) =>
      send({ type: 'report', statements: [...counter.snapshot()], pspCalls: calls }),
    );
  }
});

// A benchmark that died without stopping its workers must not leave them running: stop like on Ctrl-C.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
