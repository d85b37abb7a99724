// Prometheus rule files (`groups:` → `name`, `interval`, `limit`, `rules:` → `alert`/`record`,
// `expr`, `for`, `keep_firing_for`, `labels`, `annotations`), plus Loupe's log rules (`logs:`) and
// the `no_data`/`error` choices, read and checked as `promtool check rules` checks them: YAML
// mistakes, unknown fields, bad durations, PromQL that does not parse (at its position in the
// file), templates, names, repeated groups; each problem with the file's line and column. The
// messages are promtool's where it has one (`group "g", rule 1, "A": could not parse expression:
// 1:26: parse error: …`). Writing back edits the parsed YAML document, so comments and the order of
// the rest of a hand-written file survive an edit from the UI.
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { LogConditionSpec, RuleSpec, RuleStateChoice } from '../../../../shared/rules.js';
import { parseExpr, PromQLParseError } from '../../signals/metrics/promql/index.js';
import { parseDuration } from '../../signals/metrics/promql/parse.js';
import { parseQuery, QuerySyntaxError } from '../../signals/logs/query/index.js';
import { parseTemplate, TemplateError } from './templates.js';

/** A log rule's condition, read. */
export interface LogCondition {
  query: string;
  overMs: number;
  op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  threshold: number;
  /** `absent:` — fires only once a whole window was watched with nothing in it. */
  absent: boolean;
}

export interface Rule {
  kind: 'alerting' | 'recording';
  /** `alert` or `record`. */
  name: string;
  /** PromQL (metric rules), or null for a log rule. */
  expr: string | null;
  logs: LogCondition | null;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  noData: RuleStateChoice;
  error: RuleStateChoice;
  /** The rule as written (what the UI edits). */
  spec: RuleSpec;
}

export interface RuleGroup {
  name: string;
  file: string;
  /** The group's `interval`, or null: the default. */
  intervalMs: number | null;
  limit: number;
  rules: Rule[];
}

/** One problem found in a file; line 0 when it has no place (promtool's `0:0`). */
export interface RuleFileProblem {
  line: number;
  col: number;
  message: string;
}

export interface ParsedRuleFile {
  groups: RuleGroup[];
  problems: RuleFileProblem[];
  /** promtool's lint: not errors (the file loads). */
  warnings: string[];
}

const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'rules']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations', 'logs', 'no_data', 'error']);
const LOG_FIELDS = new Set(['query', 'over', 'threshold', 'absent']);
const CHOICES: readonly RuleStateChoice[] = ['alerting', 'ok', 'keep_state'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The window of a log rule written without `over`. */
export const DEFAULT_LOG_WINDOW_MS = 5 * 60_000;

/** A Prometheus duration (`5m`, `1h30m`, `0`) in ms, or undefined. */
export function ruleDuration(text: string): number | undefined {
  return text === '0' ? 0 : parseDuration(text);
}

/** `> 10` → op and number, or undefined. */
export function parseThreshold(text: string): { op: LogCondition['op']; value: number } | undefined {
  const m = /^\s*(>=|<=|==|!=|>|<)\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\s*$/.exec(text);
  return m ? { op: m[1] as LogCondition['op'], value: Number(m[2]) } : undefined;
}

export function compare(op: LogCondition['op'], a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

export function parseRuleFile(text: string, file: string): ParsedRuleFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: RuleFileProblem[] = [];
  const at: At = Object.assign(
    (node: Placed, message: string): void => {
      const pos = node?.range ? lines.linePos(node.range[0]) : { line: 0, col: 0 };
      problems.push({ line: pos.line, col: pos.col, message });
    },
    { count: () => problems.length },
  );
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ line: pos.line, col: pos.col, message: `yaml: ${e.message.split('\n')[0]!}` });
  }
  if (problems.length > 0) return { groups: [], problems, warnings: [] };

  const groups: RuleGroup[] = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { groups, problems, warnings: [] };
  if (!isMap(root)) {
    at(root, 'yaml: the file must be a mapping with a "groups" list');
    return { groups, problems, warnings: [] };
  }
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key !== 'groups') at(pair.key as Node, `field ${key} not found in type rulefmt.RuleGroups`);
  }
  const groupsNode = root.get('groups', true) as Node | undefined;
  if (groupsNode !== undefined && !isSeq(groupsNode) && !(isScalar(groupsNode) && groupsNode.value === null)) {
    at(groupsNode, '"groups" must be a list of groups');
    return { groups, problems, warnings: [] };
  }
  const seen = new Set<string>();
  for (const groupNode of isSeq(groupsNode) ? groupsNode.items : []) {
    if (!isMap(groupNode)) {
      at(groupNode as Node, 'a group must be a mapping (name, interval, rules)');
      continue;
    }
    for (const pair of groupNode.items) {
      const key = keyOf(pair);
      if (!GROUP_FIELDS.has(key)) at(pair.key as Node, `field ${key} not found in type rulefmt.RuleGroup`);
    }
    const nameNode = groupNode.get('name', true) as Node | undefined;
    const name = scalarText(nameNode) ?? '';
    if (name === '') {
      at(nameNode ?? groupNode, 'Groupname must not be empty');
      continue;
    }
    if (seen.has(name)) at(groupNode.items[0]?.key as Node, `groupname: "${name}" is repeated in the same file`);
    seen.add(name);
    const intervalNode = groupNode.get('interval', true) as Node | undefined;
    const interval = durationOf(intervalNode, at);
    if (interval === 0) at(intervalNode, `group "${name}": the interval must be positive`);
    const limitNode = groupNode.get('limit', true) as Node | undefined;
    const limitText = scalarText(limitNode);
    const limit = limitText === undefined ? 0 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) at(limitNode, `group "${name}": limit must be a whole number`);
    const rulesNode = groupNode.get('rules', true) as Node | undefined;
    const rules: Rule[] = [];
    if (rulesNode !== undefined && !isSeq(rulesNode)) at(rulesNode, `group "${name}": "rules" must be a list`);
    (isSeq(rulesNode) ? rulesNode.items : []).forEach((ruleNode, i) => {
      const rule = readRule(ruleNode as Node, `group "${name}", rule ${i + 1}`, at);
      if (rule) rules.push(rule);
    });
    groups.push({ name, file, intervalMs: interval ?? null, limit: Number.isInteger(limit) ? limit : 0, rules });
  }
  return { groups, problems, warnings: problems.length === 0 ? duplicateRules(groups) : [] };
}

type Placed = { range?: [number, number, number] | null | undefined } | null | undefined;
/** Reports a problem at a node's place; `count` says how many so far. */
type At = ((node: Placed, message: string) => void) & { count(): number };

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function scalarText(node: Node | undefined | null): string | undefined {
  if (!node || !isScalar(node) || node.value === null) return undefined;
  return String(node.value);
}

function durationOf(node: Node | undefined, at: At): number | undefined {
  if (node === undefined) return undefined;
  const text = scalarText(node) ?? '';
  const ms = ruleDuration(text);
  if (ms === undefined) at(node, `not a valid duration string: "${text}"`);
  return ms;
}

/** A `labels:`/`annotations:` mapping of names to text. */
function stringMap(node: Node | undefined, what: 'label' | 'annotation', context: string, at: At): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === undefined || (isScalar(node) && node.value === null)) return out;
  if (!isMap(node)) {
    at(node, `${context}: ${what}s must be a mapping of names to values`);
    return out;
  }
  for (const pair of (node as YAMLMap).items) {
    const name = keyOf(pair);
    if (!LABEL_NAME.test(name)) at(pair.key as Node, `${context}: invalid ${what} name: ${name}`);
    const value = isScalar(pair.value) ? String(pair.value.value ?? '') : undefined;
    if (value === undefined) at(pair.value as Node, `${context}: ${what} "${name}" must be text`);
    else out[name] = value;
  }
  return out;
}

function readRule(node: Node, where: string, at: At): Rule | null {
  if (!isMap(node)) {
    at(node, `${where}: a rule must be a mapping`);
    return null;
  }
  for (const pair of node.items) {
    const key = keyOf(pair);
    if (!RULE_FIELDS.has(key)) at(pair.key as Node, `field ${key} not found in type rulefmt.RuleNode`);
  }
  const get = (k: string): Node | undefined => node.get(k, true) as Node | undefined;
  const alert = scalarText(get('alert'));
  const record = scalarText(get('record'));
  const name = alert ?? record ?? '';
  const context = `${where}, ${JSON.stringify(name)}`;
  // A rule with any problem is left out of the loaded groups.
  const before = at.count();
  if (alert !== undefined && record !== undefined) at(get('record'), `${context}: only one of 'record' and 'alert' must be set`);
  if (alert === undefined && record === undefined) at(node, `${context}: one of 'record' or 'alert' must be set`);
  if (alert !== undefined && alert.trim() === '') at(get('alert'), `${context}: invalid alert name: the name is empty`);
  if (record !== undefined && !METRIC_NAME.test(record)) at(get('record'), `${context}: invalid recording rule name: ${record}`);
  const isRecording = record !== undefined && alert === undefined;
  if (isRecording) {
    for (const field of ['for', 'keep_firing_for', 'annotations', 'logs', 'no_data', 'error'])
      if (get(field) !== undefined) at(get(field), `${context}: invalid field '${field}' in recording rule`);
  }

  const exprNode = get('expr');
  const logsNode = get('logs');
  const expr = scalarText(exprNode);
  let logs: LogCondition | null = null;
  if (exprNode !== undefined && logsNode !== undefined) at(logsNode, `${context}: only one of 'expr' and 'logs' must be set`);
  else if (expr === undefined && logsNode === undefined) at(exprNode ?? null, `${context}: field 'expr' must be set in rule`);
  if (expr !== undefined && logsNode === undefined) {
    try {
      parseExpr(expr);
    } catch (err) {
      if (!(err instanceof PromQLParseError)) throw err;
      at(exprNode, `${context}: could not parse expression: ${err.message}`);
    }
  }
  if (logsNode !== undefined && !isRecording) logs = readLogCondition(logsNode, context, at);

  const labels = stringMap(get('labels'), 'label', context, at);
  const annotations = stringMap(get('annotations'), 'annotation', context, at);
  const templateName = `__alert_${name}`;
  for (const [what, map, mapNode] of [
    ['label', labels, get('labels')],
    ['annotation', annotations, get('annotations')],
  ] as const) {
    for (const [k, v] of Object.entries(map)) {
      try {
        parseTemplate(v, templateName);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        at(isMap(mapNode) ? ((mapNode.get(k, true) as Node | undefined) ?? mapNode) : node, `${context}: ${what} "${k}": ${err.message}`);
      }
    }
  }
  const forMs = durationOf(get('for'), at) ?? 0;
  const keepFiringForMs = durationOf(get('keep_firing_for'), at) ?? 0;
  const choice = (k: 'no_data' | 'error', fallback: RuleStateChoice): RuleStateChoice => {
    const text = scalarText(get(k));
    if (text === undefined) return fallback;
    if ((CHOICES as readonly string[]).includes(text)) return text as RuleStateChoice;
    at(get(k), `${context}: ${k} must be one of ${CHOICES.join(', ')} (not "${text}")`);
    return fallback;
  };
  // Prometheus's own behaviours are the defaults: an empty result resolves, an error changes nothing.
  const noData = choice('no_data', 'ok');
  const error = choice('error', 'keep_state');
  if (at.count() !== before) return null;
  return {
    kind: isRecording ? 'recording' : 'alerting',
    name,
    expr: logs ? null : (expr ?? null),
    logs,
    forMs,
    keepFiringForMs,
    labels,
    annotations,
    noData,
    error,
    spec: node.toJSON() as RuleSpec,
  };
}

function readLogCondition(node: Node, context: string, at: At): LogCondition | null {
  if (!isMap(node)) {
    at(node, `${context}: logs must be a mapping (query, over, threshold, or absent)`);
    return null;
  }
  for (const pair of node.items) {
    const key = keyOf(pair);
    if (!LOG_FIELDS.has(key)) at(pair.key as Node, `${context}: field ${key} not found in logs (query, over, threshold, absent)`);
  }
  const get = (k: string): Node | undefined => node.get(k, true) as Node | undefined;
  const queryNode = get('query');
  const query = scalarText(queryNode) ?? '';
  try {
    parseQuery(query);
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    at(shifted(queryNode, err.position), `${context}: could not parse log query: ${err.message}`);
  }
  const absentNode = get('absent');
  if (absentNode !== undefined) {
    if (get('over') !== undefined || get('threshold') !== undefined)
      at(absentNode, `${context}: logs: 'absent' stands alone (it means "nothing matched for this long"): drop 'over' and 'threshold'`);
    const ms = durationOf(absentNode, at);
    if (ms === 0) at(absentNode, `${context}: logs: absent must be a positive duration`);
    return { query, overMs: ms ?? DEFAULT_LOG_WINDOW_MS, op: '==', threshold: 0, absent: true };
  }
  const overNode = get('over');
  const overMs = durationOf(overNode, at) ?? DEFAULT_LOG_WINDOW_MS;
  if (overMs === 0) at(overNode, `${context}: logs: over must be a positive duration`);
  const thresholdNode = get('threshold');
  const thresholdText = scalarText(thresholdNode) ?? '> 0';
  const threshold = parseThreshold(thresholdText);
  if (!threshold)
    at(thresholdNode, `${context}: logs: threshold must be a comparison and a number (> 10, >= 1, == 0), not "${thresholdText}"`);
  return { query, overMs, op: threshold?.op ?? '>', threshold: threshold?.value ?? 0, absent: false };
}

/** A node's place moved `offset` characters into its text (a quoted scalar starts one further). */
function shifted(node: Node | undefined, offset: number): { range: [number, number, number] } | undefined {
  if (!node?.range) return undefined;
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
  const start = node.range[0] + quoted + offset;
  return { range: [start, start, start] };
}

/** promtool's lint: rules with the same name and labels in one group. */
function duplicateRules(groups: readonly RuleGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups) {
    const seen = new Map<string, number>();
    for (const r of g.rules) {
      const key = `${r.name}\u0000${JSON.stringify(Object.entries(r.labels).sort())}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, n] of seen) {
      if (n < 2) continue;
      const [name, labels] = key.split('\u0000') as [string, string];
      const shown = (JSON.parse(labels) as [string, string][]).map(([k, v]) => `${k}=${v}`).join(', ');
      out.push(
        `lint error ${n - 1} duplicate rule(s) found.\nMetric: ${name}\nLabel(s):\n${shown ? `\t${shown}\n` : ''}Might cause inconsistency while recording expressions`,
      );
    }
  }
  return out;
}

/** Problems as promtool prints them: `FILE: LINE:COL: message`. */
export function formatProblem(file: string, p: RuleFileProblem): string {
  return `${file}: ${p.line}:${p.col}: ${p.message}`;
}

// ---- Writing back ----

/** The rule without the keys a form leaves empty, in the order a rule file lists them. */
function cleanSpec(spec: RuleSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const order: (keyof RuleSpec)[] = [
    'alert',
    'record',
    'expr',
    'logs',
    'for',
    'keep_firing_for',
    'labels',
    'annotations',
    'no_data',
    'error',
  ];
  for (const k of order) {
    const v = spec[k];
    if (v === undefined || v === '' || (typeof v === 'object' && Object.keys(v).length === 0)) continue;
    if (k === 'logs') {
      const logs = v as LogConditionSpec;
      out.logs = Object.fromEntries(Object.entries(logs).filter(([, x]) => x !== undefined && x !== ''));
    } else out[k] = v;
  }
  return out;
}

/**
 * The file's text with `spec` saved in group `group` (made at the end when missing, with
 * `interval`): in place of the rule named `replaces` (or of its own name) when there is one, else
 * appended. Comments and the rest of the file are kept.
 */
export function saveRuleInText(text: string, group: string, spec: RuleSpec, replaces?: string, interval?: string): string {
  const doc = text.trim() === '' ? new Document({ groups: [] }) : parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the file does not parse: ${doc.errors[0]!.message}`);
  if (!doc.has('groups') || !isSeq(doc.get('groups'))) doc.set('groups', doc.createNode([]));
  const groups = doc.get('groups') as { items: unknown[]; add(v: unknown): void };
  let groupNode = groups.items.find((g) => isMap(g) && scalarText(g.get('name', true) as Node) === group) as YAMLMap | undefined;
  if (!groupNode) {
    groupNode = doc.createNode({ name: group, ...(interval ? { interval } : {}), rules: [] }) as YAMLMap;
    groups.add(groupNode);
  }
  if (!isSeq(groupNode.get('rules'))) groupNode.set('rules', doc.createNode([]));
  const rules = groupNode.get('rules') as { items: unknown[]; add(v: unknown): void };
  const name = spec.alert ?? spec.record;
  const target = replaces ?? name;
  const index = rules.items.findIndex(
    (r) => isMap(r) && (scalarText(r.get('alert', true) as Node) ?? scalarText(r.get('record', true) as Node)) === target,
  );
  const node = doc.createNode(cleanSpec(spec));
  if (index >= 0) rules.items[index] = node;
  else rules.add(node);
  return doc.toString();
}

/** The file's text without the rule `name` of group `group` (a group left empty goes too); null when there was no such rule. */
export function deleteRuleInText(text: string, group: string, name: string): string | null {
  const doc = parseDocument(text);
  const groups = doc.get('groups');
  if (!isSeq(groups)) return null;
  const gi = groups.items.findIndex((g) => isMap(g) && scalarText(g.get('name', true) as Node) === group);
  const groupNode = groups.items[gi];
  if (!isMap(groupNode)) return null;
  const rules = groupNode.get('rules');
  if (!isSeq(rules)) return null;
  const ri = rules.items.findIndex(
    (r) => isMap(r) && (scalarText(r.get('alert', true) as Node) ?? scalarText(r.get('record', true) as Node)) === name,
  );
  if (ri < 0) return null;
  rules.items.splice(ri, 1);
  if (rules.items.length === 0) groups.items.splice(gi, 1);
  return doc.toString();
}
