import 'reflect-metadata';
import { ConfigError, loadConfig } from '@flash/config';
import { createQueueBoard } from './queue-board';

/** npm run start:queue-board: bull-board on QUEUE_BOARD_PORT (3001), behind an admin token. */
async function main(): Promise<void> {
  const config = loadConfig();
  const board = await createQueueBoard(config);
  await board.app.listen({ port: config.queueBoard.port, host: config.host });
  console.log(
    JSON.stringify({
      level: 30,
      app: 'queue-board',
      msg: `on http://${config.host}:${config.queueBoard.port}/queues`,
    }),
  );
  const stop = () => {
    board.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
