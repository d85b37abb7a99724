// An alert's identity as Alertmanager computes it, shared by the rules (engine) and the Alerts view,
// which opens an alert by it (`#/alerts?alert=<fingerprint>`) from the labels /api/v1/alerts gives.

/**
 * Alertmanager's fingerprint of a label set (prometheus/common model.LabelsToSignature: FNV-1a 64
 * over the sorted names and values, each followed by the 0xff separator), as 16 hex digits.
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let hash = 0xcbf29ce484222325n;
  const add = (bytes: Uint8Array): void => {
    for (const b of bytes) hash = ((hash ^ BigInt(b)) * prime) & mask;
  };
  const encoder = new TextEncoder();
  const separator = new Uint8Array([0xff]);
  for (const name of Object.keys(labels).sort()) {
    add(encoder.encode(name));
    add(separator);
    add(encoder.encode(labels[name]!));
    add(separator);
  }
  return hash.toString(16).padStart(16, '0');
}
