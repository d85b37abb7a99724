// The probes file (probes.yml in the data dir, or one given by `loupe serve --probes FILE`): YAML a
// user edits by hand, read into probe specs with Kubernetes's defaults filled in, and every mistake
// pointed at by line:column. Saving a probe from the editor rewrites only that probe's entry of the
// document, so the user's comments and the other probes stay as they were written.
import { isMap, parseDocument, YAMLSeq } from 'yaml';
import { parseYamlWithPositions, type YamlPath as Path } from '../core/yaml-positions.js';
import type { ProbeFileError, ProbeKind, ProbeRole, ProbeSpec } from '../../../shared/health.js';
import { compileRegex } from '../signals/logs/query/regex.js';

/** Kubernetes's probe defaults (periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3). */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

export const PROBE_KINDS: readonly ProbeKind[] = ['http', 'tcp', 'process', 'command', 'file'];
const ROLES: readonly ProbeRole[] = ['startup', 'liveness', 'readiness'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const STATUS = /^(\d{3})(?:-(\d{3}))?$|^([1-5])xx$/;

export interface ProbesFileRead {
  probes: ProbeSpec[];
  errors: ProbeFileError[];
}

/** What a probe's fields say, checked; `fail` is told each mistake with the path to its node. */
export function probeFromObject(raw: unknown, fail: (path: Path, message: string) => void, at: Path = []): ProbeSpec | null {
  const errorsBefore: string[] = [];
  const bad = (path: Path, message: string): void => {
    errorsBefore.push(message);
    fail([...at, ...path], message);
  };
  if (!isObject(raw)) {
    bad([], 'a probe is a mapping (name:, service:, role:, and one of http:, tcp:, process:, command:, file:)');
    return null;
  }
  const known = new Set(['name', 'service', 'role', 'dependsOn', ...Object.keys(PROBE_DEFAULTS), ...PROBE_KINDS]);
  for (const key of Object.keys(raw)) if (!known.has(key)) bad([key], `unknown field "${key}"`);
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name))
    bad(['name'], 'name: letters, digits, _ . : - (up to 100), starting with a letter or digit');
  const service = raw.service ?? name;
  if (typeof service !== 'string' || service.trim() === '') bad(['service'], 'service: the name of the service the probe speaks for');
  const role = raw.role ?? 'liveness';
  if (!ROLES.includes(role as ProbeRole)) bad(['role'], `role: one of ${ROLES.join(', ')}`);
  const numbers: Record<string, number> = {};
  for (const [key, fallback] of Object.entries(PROBE_DEFAULTS)) {
    const v = raw[key] ?? fallback;
    const min = key === 'initialDelaySeconds' ? 0 : key === 'timeoutSeconds' || key === 'periodSeconds' ? 0.1 : 1;
    const whole = key.endsWith('Threshold');
    if (typeof v !== 'number' || !(v >= min) || v > 86_400 || (whole && !Number.isInteger(v))) {
      bad([key], `${key}: ${whole ? 'a whole number' : 'a number of seconds'} of at least ${min}`);
    }
    numbers[key] = typeof v === 'number' ? v : fallback;
  }
  if ((role === 'liveness' || role === 'startup') && numbers.successThreshold !== 1 && raw.successThreshold !== undefined) {
    bad(['successThreshold'], `successThreshold must be 1 for a ${String(role)} probe (as in Kubernetes)`);
  }
  const dependsOn = raw.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string'))
    bad(['dependsOn'], 'dependsOn: a list of probe or service names');
  const kinds = PROBE_KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1)
    bad([], `a probe has exactly one check: one of ${PROBE_KINDS.join(', ')}${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`);
  const kind = kinds[0];
  if (kind) checkOf(kind, raw[kind], (path, message) => bad([kind, ...path], `${kind}: ${message}`));
  if (errorsBefore.length > 0) return null;
  const spec: ProbeSpec = {
    name: name as string,
    service: (service as string).trim(),
    role: role as ProbeRole,
    ...(numbers as Pick<ProbeSpec, keyof typeof PROBE_DEFAULTS>),
    dependsOn: dependsOn as string[],
  };
  (spec as unknown as Record<string, unknown>)[kind!] = raw[kind!];
  return spec;
}

/** The check of one kind, field by field. */
function checkOf(kind: ProbeKind, raw: unknown, bad: (path: Path, message: string) => void): void {
  if (!isObject(raw)) return bad([], 'a mapping of its settings');
  const allowed: Record<ProbeKind, string[]> = {
    http: [
      'url',
      'method',
      'headers',
      'expectStatus',
      'bodyContains',
      'bodyRegex',
      'jsonPath',
      'maxLatencyMs',
      'followRedirects',
      'allowSelfSigned',
      'minCertDays',
      'maxBodyBytes',
    ],
    tcp: ['host', 'port'],
    process: ['pidFile', 'name', 'commandLine', 'writes'],
    command: ['run', 'cwd', 'expectExit', 'outputContains'],
    file: ['path', 'maxAgeSeconds'],
  };
  for (const key of Object.keys(raw)) if (!allowed[kind].includes(key)) bad([key], `unknown field "${key}"`);
  const text = (key: string, need = false): void => {
    if (raw[key] === undefined ? need : typeof raw[key] !== 'string' || raw[key] === '')
      bad([key], `${key}: text${need ? ' (required)' : ''}`);
  };
  const positive = (key: string, need = false, whole = false): void => {
    const v = raw[key];
    if (v === undefined ? need : typeof v !== 'number' || !(v > 0) || (whole && !Number.isInteger(v)))
      bad([key], `${key}: a positive ${whole ? 'whole ' : ''}number`);
  };
  const flag = (key: string): void => {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') bad([key], `${key}: true or false`);
  };
  switch (kind) {
    case 'http': {
      text('url', true);
      if (typeof raw.url === 'string') {
        let url: URL | null = null;
        try {
          url = new URL(raw.url);
        } catch {
          bad(['url'], `url: "${raw.url}" is not a URL`);
        }
        if (url && url.protocol !== 'http:' && url.protocol !== 'https:') bad(['url'], 'url: http:// or https:// only');
      }
      text('method');
      text('bodyContains');
      if (raw.headers !== undefined && (!isObject(raw.headers) || Object.values(raw.headers).some((v) => typeof v !== 'string'))) {
        bad(['headers'], 'headers: a mapping of header names to text');
      }
      if (raw.expectStatus !== undefined) {
        const list = raw.expectStatus;
        if (!Array.isArray(list)) bad(['expectStatus'], 'expectStatus: a list such as [200, "300-399", "2xx"]');
        else
          list.forEach(
            (s, i) =>
              STATUS.test(String(s)) ||
              bad(['expectStatus', i], `expectStatus: "${String(s)}" is not a status, a range (200-299) or a class (2xx)`),
          );
      }
      if (raw.bodyRegex !== undefined) {
        text('bodyRegex');
        if (typeof raw.bodyRegex === 'string') {
          try {
            compileRegex(raw.bodyRegex, '');
          } catch (err) {
            bad(['bodyRegex'], `bodyRegex: ${(err as Error).message}`);
          }
        }
      }
      if (raw.jsonPath !== undefined) {
        const jp = raw.jsonPath;
        if (!isObject(jp) || typeof jp.path !== 'string' || !jp.path.startsWith('$') || jp.equals === undefined) {
          bad(['jsonPath'], 'jsonPath: { path: $.status, equals: ok }');
        }
      }
      positive('maxLatencyMs');
      positive('minCertDays');
      positive('maxBodyBytes', false, true);
      flag('followRedirects');
      flag('allowSelfSigned');
      return;
    }
    case 'tcp':
      text('host', true);
      if (!Number.isInteger(raw.port) || (raw.port as number) < 1 || (raw.port as number) > 65535) bad(['port'], 'port: 1-65535');
      return;
    case 'process': {
      const given = ['pidFile', 'name', 'commandLine', 'writes'].filter((k) => raw[k] !== undefined);
      if (given.length !== 1) bad([], 'one of pidFile, name, commandLine or writes');
      for (const k of given) text(k);
      return;
    }
    case 'command': {
      const run = raw.run;
      const ok =
        (typeof run === 'string' && run.trim() !== '') || (Array.isArray(run) && run.length > 0 && run.every((a) => typeof a === 'string'));
      if (!ok) bad(['run'], 'run: a program and its arguments as a list, or one shell command as text');
      text('cwd');
      text('outputContains');
      if (raw.expectExit !== undefined && !Number.isInteger(raw.expectExit)) bad(['expectExit'], 'expectExit: a whole number');
      return;
    }
    case 'file':
      text('path', true);
      positive('maxAgeSeconds', true);
      return;
  }
}

/** Read a probes file's text: the probes without mistakes, and every mistake by line:column. */
export function readProbesFile(text: string, file: string): ProbesFileRead {
  const { doc, syntaxError, positionOf } = parseYamlWithPositions(text, { prettyErrors: true });
  const errors: ProbeFileError[] = [];
  if (syntaxError) return { probes: [], errors: [{ file, line: syntaxError.line, column: syntaxError.col, message: syntaxError.message }] };
  const where = (path: Path): { line: number; column: number } => {
    const p = positionOf(path);
    return { line: p.line, column: p.col };
  };
  const fail = (path: Path, message: string): void => void errors.push({ file, ...where(path), message });
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { probes: [], errors };
  if (!isObject(root) || (root.probes !== undefined && !Array.isArray(root.probes))) {
    fail([], 'the file is a mapping with a list named probes:');
    return { probes: [], errors };
  }
  for (const key of Object.keys(root)) if (key !== 'probes') fail([key], `unknown field "${key}" (the file holds probes:)`);
  const probes: ProbeSpec[] = [];
  const seen = new Set<string>();
  ((root.probes as unknown[] | undefined) ?? []).forEach((raw, i) => {
    const spec = probeFromObject(raw, fail, ['probes', i]);
    if (!spec) return;
    if (seen.has(spec.name)) return fail(['probes', i, 'name'], `a second probe named "${spec.name}"`);
    seen.add(spec.name);
    probes.push(spec);
  });
  return { probes, errors };
}

/** The probe as the file writes it: the defaults left out. */
export function probeToObject(spec: ProbeSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: spec.name };
  if (spec.service !== spec.name) out.service = spec.service;
  out.role = spec.role;
  for (const [key, fallback] of Object.entries(PROBE_DEFAULTS)) {
    const v = spec[key as keyof typeof PROBE_DEFAULTS];
    if (v !== fallback) out[key] = v;
  }
  if (spec.dependsOn.length > 0) out.dependsOn = spec.dependsOn;
  for (const kind of PROBE_KINDS) if (spec[kind] !== undefined) out[kind] = spec[kind];
  return out;
}

/**
 * The file's text with the probe `spec` saved (replacing the one named `replaces`, or its own
 * name, or added at the end), or with the probe `remove` gone. The rest of the text is kept.
 */
export function editProbesFile(text: string, change: { save: ProbeSpec; replaces?: string } | { remove: string }): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the probes file has a mistake to fix first: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.contents === null) doc.contents = doc.createNode({ probes: [] }) as never;
  let list = doc.get('probes');
  if (!(list instanceof YAMLSeq)) {
    doc.set('probes', doc.createNode([]));
    list = doc.get('probes');
  }
  const seq = list as YAMLSeq;
  const indexOf = (name: string): number => seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
  if ('remove' in change) {
    const i = indexOf(change.remove);
    if (i < 0) throw new Error(`no probe named "${change.remove}" in the file`);
    seq.items.splice(i, 1);
  } else {
    const node = doc.createNode(probeToObject(change.save));
    const i = indexOf(change.replaces ?? change.save.name);
    if (i < 0) seq.items.push(node);
    else seq.items[i] = node;
  }
  return doc.toString();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
