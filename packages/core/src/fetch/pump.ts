import type { IncomingMessage } from "node:http";
import { Multipart } from "../storage/multipart";
import { FetchFailure as Failure, tooLarge } from "./failure";
import { partSize } from "./parts";
import type { Validator } from "./resume";

/** Where a URL fetch stands: enough for another invocation to carry on from. */
export type FetchProgress = {
  /** The URL the user gave: every resume re-walks and re-checks its redirects. */
  url: string;
  /** The S3 object key under uploads/. */
  key: string;
  /** The S3 multipart upload. */
  uploadId: string;
  parts: { PartNumber: number; ETag: string }[];
  /** Bytes stored in completed parts. */
  offset: number;
  validator?: Validator;
  /** Full restarts used (at most 1). */
  restarts: number;
  /** From Content-Length or Content-Range, when known. */
  totalBytes?: number;
};

export type Outcome = { kind: "done" } | { kind: "deadline" } | { kind: "dropped"; reason: string };

/**
 * Reads the body into parts, storing each as it fills: the next chunk is read only once the
 * part before it is stored, so a slow S3 slows the server (backpressure), never the memory.
 */
export async function pump(
  response: IncomingMessage,
  progress: FetchProgress,
  input: {
    maxBytes: number;
    deadline: number;
    signal?: AbortSignal;
    stallMs: number;
    partBytes: number;
    /** Called as each part is stored. */
    stored: () => void;
  },
): Promise<Outcome> {
  const total = progress.totalBytes;
  const sizeOf = (n: number) => partSize(n, input.partBytes, total);
  let part = Buffer.allocUnsafe(sizeOf(progress.parts.length + 1));
  let filled = 0;
  let cycle = Date.now();
  let lastCycleMs = 0;
  let stop: "deadline" | undefined;

  // Past the deadline with a part stored in this run, a slow part is given up (its bytes are
  // read again next run) rather than the whole run lost to the function's time limit.
  let hardStop: NodeJS.Timeout | undefined;
  const aborted = () => response.destroy(input.signal?.reason);
  input.signal?.addEventListener("abort", aborted, { once: true });

  const store = async (body: Buffer) => {
    const partNumber = progress.parts.length + 1;
    const ETag = await Multipart.uploadPart({
      key: progress.key,
      uploadId: progress.uploadId,
      partNumber,
      body,
      signal: input.signal,
    });
    progress.parts.push({ PartNumber: partNumber, ETag });
    progress.offset += body.byteLength;
    input.stored();
  };

  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  /** The next chunk; a broken connection is a drop, unless it was broken on purpose. */
  const read = async (): Promise<IteratorResult<Buffer> | Outcome> => {
    const stall = setTimeout(
      () =>
        response.destroy(
          new Failure("fetch_timeout", `No byte from the server for ${input.stallMs} ms`),
        ),
      input.stallMs,
    );
    try {
      return await chunks.next();
    } catch (error) {
      if (error instanceof Failure || input.signal?.aborted) throw error;
      if (stop) return { kind: "deadline" };
      return { kind: "dropped", reason: (error as Error).message };
    } finally {
      clearTimeout(stall);
    }
  };
  try {
    for (;;) {
      const next = await read();
      if ("kind" in next) return next;
      if (next.done) break;
      let chunk = next.value;
      if (progress.offset + filled + chunk.length > input.maxBytes) {
        throw tooLarge(progress.offset + filled + chunk.length, input.maxBytes);
      }
      while (chunk.length) {
        const taken = chunk.copy(part, filled, 0);
        filled += taken;
        chunk = chunk.subarray(taken);
        if (filled < part.length) break;
        await store(part);
        filled = 0;
        hardStop ??= setTimeout(
          () => {
            stop = "deadline";
            response.destroy();
          },
          Math.max(0, input.deadline - Date.now()),
        );
        const now = Date.now();
        lastCycleMs = now - cycle;
        cycle = now;
        const finished = total !== undefined && progress.offset >= total;
        if (!finished && now + lastCycleMs >= input.deadline) return { kind: "deadline" };
        const size = sizeOf(progress.parts.length + 1);
        // The SDK is done with the stored part, so its buffer can take the next one.
        if (size !== part.length) part = Buffer.allocUnsafe(size);
      }
    }
  } finally {
    clearTimeout(hardStop);
    input.signal?.removeEventListener("abort", aborted);
    // Stopped early (deadline, a failure, S3 erring): the connection is not read further.
    if (!response.complete) response.destroy();
  }
  // A cancel must never complete a body of unknown length that it cut short.
  if (input.signal?.aborted) throw input.signal.reason;
  if (stop) return { kind: "deadline" };
  if (total !== undefined && progress.offset + filled < total) {
    return {
      kind: "dropped",
      reason: `the body ended at ${progress.offset + filled} of ${total} bytes`,
    };
  }
  if (filled > 0 || progress.parts.length === 0) await store(part.subarray(0, filled));
  return { kind: "done" };
}
