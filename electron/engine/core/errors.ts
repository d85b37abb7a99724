// The errors any part of the engine throws for a caller's mistake. They live in core so that the
// signals, the sources and the API all name the same classes; api/errors.ts turns them into the
// one ApiError shape (400 / 404 over REST, the same code over the protocol).

/** A parameter the caller got wrong; the API answers 400 with this message. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** The thing asked for does not exist; the API answers 404 with this message. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}
