import type http from 'node:http';
import { SwornError } from '../errors.js';

/** Listens, or fails with SWORN_ERR_LISTEN (events.once would reject with the raw error). */
export function listen(server: http.Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new SwornError('SWORN_ERR_LISTEN', `cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`, { cause: error, hint: `Choose another ${flag} (0 picks a free one) or stop what uses it.` }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
