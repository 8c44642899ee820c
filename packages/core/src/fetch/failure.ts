/** Why a URL fetch ended for good; the video fails with this code. */
export type FailureCode =
  | "fetch_refused"
  | "fetch_http_error"
  | "fetch_too_large"
  | "fetch_timeout"
  | "fetch_changed";

export class FetchFailure extends Error {
  override readonly name = "FetchFailure";
  constructor(
    readonly code: FailureCode,
    message: string,
    /** The HTTP status, for `fetch_http_error` answers. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export const tooLarge = (bytes: number, max: number) =>
  new FetchFailure(
    "fetch_too_large",
    `The file is over the ${max}-byte limit (${bytes} bytes or more)`,
  );

/** The connection broke (reset, refused, cut mid-body): a resume may still save the fetch. */
export class Dropped extends Error {
  override readonly name = "Dropped";
}
