// "The latest request wins": a view that asks again (another query, range, scope) before the last
// answer came must show the newer answer whatever order the two arrive in, and a failure as the
// engine's message. Every view and store that loads something goes through this one helper.
import { ApiError } from './api-client.js';

/** Any failure as an ApiError: the engine's as it is, anything else thrown as an 'internal' one. */
export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError('internal', err instanceof Error ? err.message : String(err));
}

/** What a failure says to the user. */
export function errorMessage(err: unknown): string {
  return toApiError(err).message;
}

/**
 * Tickets that tell the latest request from earlier ones, for a caller that drives more than one
 * answer per request (a live tail, timers, counts beside the rows); the others use LatestRequest.
 */
export class LatestTicket {
  private generation = 0;

  /** A ticket for a request about to start: from now on every earlier ticket is stale. */
  begin(): number {
    return ++this.generation;
  }

  /** The ticket of the request started last (for a follow-up that must not make it stale). */
  current(): number {
    return this.generation;
  }

  isLatest(ticket: number): boolean {
    return ticket === this.generation;
  }

  /** Forget the request on its way (cancelled, the view moved on): its answer will be ignored. */
  drop(): void {
    this.generation++;
  }
}

/** One request at a time on screen, with its loading flag and failure. */
export class LatestRequest extends LatestTicket {
  /** The latest request is on its way. */
  loading = $state(false);
  /** Why the latest request failed (null while it is on its way, or once it succeeded). */
  error: ApiError | null = $state.raw(null);
  /** A request has been answered, or has failed, at least once (before that, "loading…" rather than "nothing"). */
  settled = $state(false);

  /** The failure in words ('' when there is none). */
  get message(): string {
    return this.error?.message ?? '';
  }

  /** Forget the request on its way and any failure: its answer will be ignored. */
  override drop(): void {
    super.drop();
    this.loading = false;
    this.error = null;
  }

  /**
   * Start `request`, making every earlier one stale: `apply` gets its result, and `failed` its
   * error, only if no later request started meanwhile.
   */
  async run<T>(request: () => Promise<T>, apply: (result: T) => void, failed?: (err: ApiError) => void): Promise<void> {
    const ticket = this.begin();
    this.loading = true;
    this.error = null;
    try {
      const result = await request();
      if (this.isLatest(ticket)) apply(result);
    } catch (err) {
      if (!this.isLatest(ticket)) return;
      this.error = toApiError(err);
      failed?.(this.error);
    } finally {
      if (this.isLatest(ticket)) {
        this.loading = false;
        this.settled = true;
      }
    }
  }

  /**
   * A follow-up of the latest request (its next page) that does not make it stale: dropped the same
   * way if another request starts meanwhile. It leaves `loading` alone (the caller shows its own).
   */
  async extend<T>(request: () => Promise<T>, apply: (result: T) => void): Promise<void> {
    const ticket = this.current();
    try {
      const result = await request();
      if (this.isLatest(ticket)) apply(result);
    } catch (err) {
      if (this.isLatest(ticket)) this.error = toApiError(err);
    }
  }
}
