// The app's one connection to the engine, over the carrier for where the page runs.
import { ApiClient, type ConnectionStatus } from './api-client.js';
import { defaultTransport } from './transports.js';

type StatusListener = (status: ConnectionStatus, detail?: string) => void;
const listeners = new Set<StatusListener>();

export const api = new ApiClient(defaultTransport(), {
  onStatus: (status, detail) => {
    for (const l of listeners) l(status, detail);
  },
});

export function onConnectionStatus(listener: StatusListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
