// Binding the engine's listeners (StatsD, Python logging, syslog, the Jaeger agent, Zipkin): a UDP
// socket or a TCP server on a loopback port, resolved once bound and rejected as the socket fails
// (EADDRINUSE) with nothing left open; errors after the bind are the caller's to show on its source.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';

/** Asked of the kernel for a UDP socket's receive buffer, so a burst waits there instead of being dropped (it may grant less). */
export const UDP_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/** A UDP socket bound to `port` on `host` (0: a free port). */
export async function bindUdp(port: number, host: string): Promise<UdpSocket> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER_BYTES });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    socket.close();
    throw err;
  });
  return socket;
}

/** `server` listening on `port` on `host` (0: a free port). */
export function listenTcp(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
