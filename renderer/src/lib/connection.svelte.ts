// The connection's state for the status line and the "reconnecting" banner.
import type { ConnectionStatus } from './api-client.js';
import { api, onConnectionStatus } from './client.js';

class ConnectionState {
  status: ConnectionStatus = $state(api.status);
  detail = $state('');

  constructor() {
    onConnectionStatus((status, detail) => {
      this.status = status;
      this.detail = detail ?? '';
    });
  }
}

export const connection = new ConnectionState();
