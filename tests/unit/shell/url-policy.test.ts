import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl, isAppUrl } from '../../../electron/main/url-policy.js';
import { isLoopbackHost } from '../../../electron/engine/rpc/host-guard.js';

describe('the shell URL policy', () => {
  it('opens only http(s) links externally', () => {
    expect(isAllowedExternalUrl('https://opentelemetry.io/docs')).toBe(true);
    expect(isAllowedExternalUrl('http://localhost:8000/')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) {
      expect(isAllowedExternalUrl(bad)).toBe(false);
    }
  });

  it('keeps navigation on the engine origin', () => {
    expect(isAppUrl('http://127.0.0.1:4320/logs?q=x', 'http://127.0.0.1:4320/')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:9999/', 'http://127.0.0.1:4320/')).toBe(false);
    expect(isAppUrl('https://evil.example/', 'http://127.0.0.1:4320/')).toBe(false);
  });
});

describe('the Host guard', () => {
  it('accepts loopback names only', () => {
    for (const ok of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(ok)).toBe(true);
    for (const bad of ['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.1', '0.0.0.0', '']) {
      expect(isLoopbackHost(bad)).toBe(false);
    }
  });
});
