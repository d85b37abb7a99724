// The one error the search language throws. The Logs view underlines `position`..`position+length`
// of the text the user typed, so every message is written for that user, not for us.

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset of the mistake in the query text (UTF-16 code units, as JS strings index). */
    readonly position: number,
    /** How many characters the mistake spans (at least 1 when the text is not empty). */
    readonly length: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}
