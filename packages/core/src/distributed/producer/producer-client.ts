import type { ChannelWatches } from '../run-job/channel-watch';
import type { Namespace } from '../namespace';
import type { RedisRuntime } from '../redis-runtime';
import type { QueueLiveness } from '../worker-heartbeat';
import type { ConnectionHealth } from './connection-health';
import type { WakeDispatcher } from './wake-dispatcher';

/**
 * What a run's machinery (run session, group executor, watchdog, run views and event readers)
 * uses of the client: its namespace and the runtime of the run's shard, the shared wake-ups and
 * channel watches, the outage signal and the workers' liveness. `GraflowClient` implements it;
 * depending on this instead of the class keeps those modules from importing the client back.
 */
export interface ProducerClient {
  readonly namespace: Namespace;
  readonly runtime: RedisRuntime;
  readonly keyPrefix: string;
  readonly wakeups: WakeDispatcher;
  readonly watches: ChannelWatches;
  readonly health: ConnectionHealth;
  readonly liveness: QueueLiveness;
}
