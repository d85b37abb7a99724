// The DNS-rebinding guard: a page on evil.example that resolves its name to 127.0.0.1 still
// sends `Host: evil.example`, so only loopback names are answered.

export function isLoopbackHost(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for addresses that only this machine can reach (a bind address). */
export function isLoopbackAddress(address: string): boolean {
  return isLoopbackHost(address) || address === '[::ffff:127.0.0.1]' || address === '::ffff:127.0.0.1';
}
