// The messages between Electron's main process, the engine host (a utilityProcess) and the window's
// preload and page, in one place: each process imports its names and types from here instead of
// repeating string literals. A message from another process is checked before it is acted on.
// Adding a message is one line in a table below (its fields and their types); the type and the
// check follow from it. No runtime dependencies: main, preload, engine and renderer all use it.

/** The types a message field may have (what structured clone carries and typeof can check). */
type FieldKind = 'string' | 'number' | 'boolean';
type FieldType<K extends FieldKind> = K extends 'string' ? string : K extends 'number' ? number : boolean;
type Shapes = Record<string, Record<string, FieldKind>>;

/** The union of `{ type, ...fields }` messages a table describes. */
type MessageOf<S extends Shapes> = { [T in keyof S]: { type: T } & { [F in keyof S[T]]: FieldType<S[T][F]> } }[keyof S];

/** Main → engine host. */
const MAIN_TO_HOST = {
  /** The window's end of a new MessageChannel rides in the transfer list: serve the protocol on it. */
  'renderer-port': {},
  /** The user opened a file or folder from the menu. */
  'add-source': { path: 'string' },
  /**
   * An action on a firing alert, from a notification's button or the tray menu: `snooze` (a
   * silence of its labels for an hour) or `acknowledge` (quiet until it resolves).
   */
  'alert-action': { fingerprint: 'string', action: 'string' },
} as const satisfies Shapes;

/** The actions `alert-action` carries. */
export const ALERT_ACTIONS = ['snooze', 'acknowledge'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** One firing alert as `alerts-firing` lists it (JSON in its `alerts` field). */
export interface FiringAlertItem {
  fingerprint: string;
  title: string;
  severity: string;
  /** Where *Open* goes (the alert's generatorURL: a `#/alerts?…` route of the page). */
  url: string;
  /** Acknowledged: listed (it still fires) but not counted in the badge, and not acknowledged again. */
  acknowledged?: boolean;
}

/** Engine host → main: something the user should see in a dialog, or a native notification. */
const HOST_TO_MAIN = {
  warning: { message: 'string' },
  error: { message: 'string' },
  /**
   * Show a native notification of an alert group. A notification of the same `id` replaces the one
   * shown (a re-notification does not stack); `urgency` is low | normal | critical; a click opens
   * `alertUrl` (a `#/…` route of the page) in the window.
   */
  'alert-notify': {
    id: 'string',
    groupId: 'string',
    title: 'string',
    body: 'string',
    urgency: 'string',
    alertUrl: 'string',
    /** JSON list of the firing alerts' fingerprints: what the notification's actions act on. */
    fingerprints: 'string',
    /** The receiver's `override_do_not_disturb`: a critical one may pass the desktop's do-not-disturb. */
    overrideDoNotDisturb: 'boolean',
  },
  /**
   * How many alerts fire now (the tray shows it), whether one of them is critical, and the list of
   * them (JSON of FiringAlertItem[]) for the tray's menu.
   */
  'alerts-firing': { count: 'number', critical: 'boolean', alerts: 'string' },
} as const satisfies Shapes;

export type MainToHost = MessageOf<typeof MAIN_TO_HOST>;
export type HostToMain = MessageOf<typeof HOST_TO_MAIN>;

/** The environment variable main hands the engine host the secrets' key in (hex; from the OS keychain). */
export const SECRETS_KEY_ENV = 'LOUPE_SECRETS_KEY';

/** The IPC channel (main → preload) and window message (preload → page) that hand the page its engine port. */
export const ENGINE_PORT_CHANNEL = 'loupe:engine-port';
/** The IPC channel of the page's native folder picker (preload → main, answered with the path or null). */
export const PICK_FOLDER_CHANNEL = 'loupe:pick-folder';

/** What the preload exposes to the page as `window.loupeDesktop` (present in the desktop app only). */
export interface DesktopBridge {
  pickFolder(): Promise<string | null>;
}

function parse<S extends Shapes>(shapes: S, data: unknown): MessageOf<S> | null {
  if (typeof data !== 'object' || data === null) return null;
  const message = data as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== 'string' || !Object.hasOwn(shapes, type)) return null;
  const fields = shapes[type] ?? {};
  for (const [name, kind] of Object.entries(fields)) {
    if (typeof message[name] !== kind) return null;
  }
  return message as MessageOf<S>;
}

/** A message from main as the engine host received it, or null when it is not one it knows. */
export function parseMainToHost(data: unknown): MainToHost | null {
  return parse(MAIN_TO_HOST, data);
}

/** A message from the engine host as main received it, or null when it is not one it knows. */
export function parseHostToMain(data: unknown): HostToMain | null {
  return parse(HOST_TO_MAIN, data);
}
