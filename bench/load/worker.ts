/**
 * The load generator: a process of its own, so that its CPU is told apart from the servers'. The
 * bench sends it tasks over IPC and gets one reply per task.
 */
import { postgrestDirect, sqlDirect } from './baselines.task.js';
import { chainCollect, chainOpen, chainWrite } from './chain.task.js';
import { connectionsClose, connectionsOpen } from './connections.task.js';
import { fanout } from './fanout.task.js';
import type { TaskName, TaskReply, TaskRequest, Tasks } from './protocol.js';
import { reads } from './reads.task.js';
import { redisFloor } from './redis-floor.task.js';
import { writes } from './writes.task.js';

type Handlers = { [K in TaskName]: (params: Tasks[K]['params']) => Promise<Tasks[K]['result']> };

const handlers: Handlers = {
  reads,
  writes,
  sqlDirect,
  postgrestDirect,
  redisFloor,
  fanout,
  connectionsOpen,
  connectionsClose,
  chainOpen,
  chainWrite,
  chainCollect,
};

function run<K extends TaskName>(request: TaskRequest<K>): Promise<Tasks[K]['result']> {
  return handlers[request.task](request.params);
}

process.on('message', (request: TaskRequest) => {
  run(request).then(
    (result) => process.send?.({ id: request.id, ok: true, result } satisfies TaskReply),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies TaskReply),
  );
});
process.on('disconnect', () => process.exit(0));
