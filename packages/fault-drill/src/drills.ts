import { coldStartDrill } from './drills/cold-start.drill.js';
import { crashDrill } from './drills/crash-restart.drill.js';
import { databaseDrill } from './drills/database-outage.drill.js';
import { externalDrill } from './drills/external-writes.drill.js';
import type { Drill } from './drills/drill.js';
import { lostAnswersDrill } from './drills/lost-answers.drill.js';
import { shutdownDrill } from './drills/graceful-shutdown.drill.js';
import { messagesDrill } from './drills/message-chaos.drill.js';
import { redisDrill } from './drills/redis-outage.drill.js';
import { redisRestartDrill } from './drills/redis-restart.drill.js';

/** Every drill by the name `npm run fault-drill` knows it by, in the order it runs them. */
export const DRILLS: Readonly<Record<string, Drill>> = {
  database: databaseDrill,
  'lost-answers': lostAnswersDrill,
  messages: messagesDrill,
  redis: redisDrill,
  'redis-restart': redisRestartDrill,
  crash: crashDrill,
  shutdown: shutdownDrill,
  'cold-start': coldStartDrill,
  external: externalDrill,
};
