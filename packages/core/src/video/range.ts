import { VisibleError } from "../error";

/**
 * A range of a video in seconds from its start, as instant clips and cut clips take it: 422
 * `invalid_range` unless `end` is after `start`, `range_out_of_bounds` past the video's duration.
 */
export function checkRange(start: number, end: number, durationMs: number): void {
  if (end <= start) throw new VisibleError("invalid", "invalid_range", "end must be after start");
  const duration = durationMs / 1000;
  if (end > duration) {
    throw new VisibleError(
      "invalid",
      "range_out_of_bounds",
      `end is past the video's duration (${duration} s)`,
    );
  }
}
