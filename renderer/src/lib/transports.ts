// The two carriers of the protocol: a WebSocket to `loupe serve` in a browser, and a MessagePort
// handed over by the desktop preload. Both move the same JSON text; neither has any logic.
import type { Connection, ConnectionEvents, Transport } from './api-client.js';
import { ENGINE_PORT_CHANNEL, type DesktopBridge } from '../../../shared/host-protocol.js';

declare global {
  interface Window {
    /** Present in the desktop app only (the preload's contextBridge). */
    loupeDesktop?: DesktopBridge;
  }
}

/** Same-origin WebSocket: the page's HttpOnly cookie authenticates it. */
export function webSocketTransport(url = defaultWebSocketUrl()): Transport {
  return (events: ConnectionEvents) =>
    new Promise<Connection>((resolve, reject) => {
      const ws = new WebSocket(url);
      let open = false;
      ws.onopen = () => {
        open = true;
        resolve({ send: (text) => ws.send(text), close: () => ws.close() });
      };
      ws.onmessage = (e) => events.onMessage(typeof e.data === 'string' ? e.data : String(e.data));
      ws.onclose = (e) => {
        const reason = `connection closed${e.code ? ` (${e.code})` : ''}`;
        if (open) events.onClose(reason);
        else reject(new Error(`Cannot reach Loupe at ${url}: ${reason}`));
      };
    });
}

function defaultWebSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
}

/**
 * The desktop carrier. The preload posts each new port (at start and after an engine restart) as a
 * window message; ports are collected from the moment this is called, so none is missed before
 * the client asks for one.
 */
export function messagePortTransport(): Transport {
  const arrived: MessagePort[] = [];
  let waiting: ((port: MessagePort) => void) | null = null;
  window.addEventListener('message', (e: MessageEvent) => {
    const port = e.data === ENGINE_PORT_CHANNEL && e.source === window ? e.ports[0] : undefined;
    if (!port) return;
    if (waiting) {
      waiting(port);
      waiting = null;
    } else arrived.push(port);
  });
  const nextPort = (): Promise<MessagePort> => {
    const ready = arrived.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => (waiting = resolve));
  };
  return async (events: ConnectionEvents) => {
    const port = await nextPort();
    port.onmessage = (e) => events.onMessage(typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
    // Chromium fires 'close' on a MessagePort whose other end is gone (the engine stopped).
    port.addEventListener('close', () => events.onClose('the engine closed its port'));
    port.start();
    return { send: (text) => port.postMessage(text), close: () => port.close() };
  };
}

/** The carrier for where the page runs. */
export function defaultTransport(): Transport {
  return typeof window !== 'undefined' && window.loupeDesktop ? messagePortTransport() : webSocketTransport();
}
