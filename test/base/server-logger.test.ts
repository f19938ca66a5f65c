// Lines with no app in reach (a listener fault, a response stream that failed, a stop after a signal) go to
// the settings.logger of the running server that has one, and back to the console once it stops.
import { listenerFault } from '../../lib/base/listener-guard';
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import type { Logger } from '../../lib/base/logger';

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const note = (_fields: unknown, message?: string) => void lines.push(String(message));
  return { logger: { error: note, warn: note, info: note, debug: note }, lines };
}

test('a listener fault goes to the running server’s logger, then to the console after stop()', async () => {
  const console = jest.spyOn(global.console, 'error').mockImplementation(() => undefined);
  try {
    const { logger, lines } = recorder();
    const server = await new Server(createApp({ host: '127.0.0.1', port: 0, logger })).run();
    listenerFault('test-a', new Error('boom'));
    expect(lines).toEqual([expect.stringContaining('internal error in the test-a listener')]);
    expect(console).not.toHaveBeenCalled();
    await server.stop();
    listenerFault('test-b', new Error('boom'));
    expect(lines).toHaveLength(1);
    expect(console).toHaveBeenCalledWith(expect.stringContaining('test-b'), expect.any(Error));
  } finally {
    console.mockRestore();
  }
});

test('a server without a logger does not take the lines of one that has one', async () => {
  const { logger, lines } = recorder();
  const withLogger = await new Server(createApp({ host: '127.0.0.1', port: 0, logger })).run();
  const without = await new Server(createApp({ host: '127.0.0.1', port: 0 })).run();
  try {
    listenerFault('test-c', new Error('boom'));
    expect(lines).toEqual([expect.stringContaining('test-c')]);
  } finally {
    await without.stop();
    await withLogger.stop();
  }
});
