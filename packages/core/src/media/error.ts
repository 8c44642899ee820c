/**
 * Why a media step failed. `permanent` separates a bad input (the video becomes `rejected` and
 * is never retried) from broken processing (`failed`, which a redelivery may retry).
 */
export class MediaError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly permanent: boolean,
  ) {
    super(message);
    this.name = "MediaError";
  }

  static is(error: unknown): error is MediaError {
    return error instanceof MediaError;
  }

  toJSON() {
    return { code: this.code, message: this.message };
  }
}
