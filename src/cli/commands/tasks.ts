// `paybridge tasks get <taskID> [--wait]`: the background work an uninstall, reset, approval or forward started.
import type { Command } from 'commander';
import { formatTime, renderDetails, text } from '../output.js';
import { readTask, waitForTask } from '../wait.js';
import { contextOf, parseTimeout, printData, timeoutOption } from './shared.js';

export function registerTaskCommands(program: Command): void {
  const tasks = program.command('tasks').description('background tasks');
  tasks
    .command('get')
    .description('show a task; --wait follows it until it SUCCEEDED or FAILED')
    .argument('<taskID>')
    .option('--wait', 'wait until the task has finished, showing progress')
    .addOption(timeoutOption())
    .action(async (id: string, options: { wait?: boolean; timeout: string }, command: Command) => {
      const context = contextOf(command);
      const timeoutMs = parseTimeout(options.timeout);
      const task = options.wait
        ? await waitForTask(context.client, id, 'task', timeoutMs)
        : await readTask(context.client, id);
      printData(context, task.raw, () =>
        renderDetails([
          ['ID', task.id],
          ['Status', task.status],
          ['Connector', text(task.raw.connectorID)],
          ['Created object', text(task.createdObjectID)],
          ['Created', formatTime(task.raw.createdAt)],
          ['Updated', formatTime(task.raw.updatedAt)],
          ['Error', text(task.error)],
        ]),
      );
    });
}
