import type { IncomingMessage } from "node:http";
import { Config } from "../config";
import { Multipart } from "../storage/multipart";
import { Dropped, FetchFailure as Failure } from "./failure";
import { type HopOptions, walk } from "./hop";
import { partSize } from "./parts";
import { type Validator as HeldValidator, Resume } from "./resume";

/**
 * Ingest from a URL: the bytes go from the server straight into an S3 multipart upload, one
 * part in memory at a time, and a dropped connection resumes with Range from the last stored
 * part. A run stops near its deadline with its progress, which the next run continues from.
 * Every hop is SSRF-checked (hop.ts); every failure aborts the multipart upload.
 */
export namespace UrlFetch {
  export type Validator = HeldValidator;
  export type Progress = {
    /** The URL the user gave: every resume re-walks and re-checks its redirects. */
    url: string;
    key: string;
    uploadId: string;
    parts: { PartNumber: number; ETag: string }[];
    /** Bytes stored in completed parts. */
    offset: number;
    validator?: Validator;
    /** Full restarts used (at most 1). */
    restarts: number;
    totalBytes?: number;
  };
  export type Result = { done: true; bytes: number } | { done: false; progress: Progress };
  export const FetchFailure = Failure;
  export type FetchFailure = Failure;

  /** Drops in a row, with no part stored between them, before the fetch gives up. */
  export const maxDrops = 5;
  export const maxRestarts = 1;

  export interface RunInput {
    url: string;
    key: string;
    maxBytes: number;
    /** Continue a fetch a previous invocation left. */
    progress?: Progress;
    /** Epoch ms: stop cleanly (after the current part is stored) before then. */
    deadline: number;
    /** Cancel: aborts the multipart upload, then throws the abort reason. */
    signal?: AbortSignal;
    allowLocal: boolean;
    partBytes?: number;
    stallMs?: number;
    connectMs?: number;
    /** The stored object's Content-Type; by default the server's, else octet-stream. */
    contentType?: string;
  }

  export async function run(input: RunInput): Promise<Result> {
    const config = Config.get();
    const hop: HopOptions = {
      allowLocal: input.allowLocal,
      connectMs: input.connectMs ?? config.RUSHES_FETCH_CONNECT_SECONDS * 1000,
      stallMs: input.stallMs ?? config.RUSHES_FETCH_STALL_SECONDS * 1000,
      signal: input.signal,
    };
    const base = input.partBytes ?? config.RUSHES_MULTIPART_PART_BYTES;
    let progress: Progress | undefined = input.progress && {
      ...input.progress,
      parts: [...input.progress.parts],
    };
    let drops = 0;
    let dropped = "";

    const restart = (why: string) => {
      if (!progress) return;
      if (progress.restarts >= maxRestarts) {
        throw new Failure(
          "fetch_http_error",
          `${why}, and the one restart from the first byte is used up`,
        );
      }
      Object.assign(progress, {
        parts: [],
        offset: 0,
        validator: undefined,
        totalBytes: undefined,
        restarts: progress.restarts + 1,
      });
    };

    try {
      for (;;) {
        if (input.signal?.aborted) throw input.signal.reason;
        if (drops > maxDrops) {
          throw new Failure("fetch_http_error", `The connection kept dropping: ${dropped}`);
        }
        const offset = progress?.offset ?? 0;
        let headers: Record<string, string> = {};
        if (progress && offset > 0) {
          const resume = Resume.headers(offset, progress.validator);
          if (!resume) {
            restart("The server gave no ETag or Last-Modified to resume against");
            continue;
          }
          headers = resume;
        }
        let response: IncomingMessage;
        try {
          response = await walk({ url: input.url, headers }, hop);
        } catch (error) {
          if (!(error instanceof Dropped)) throw error;
          if (!progress) throw new Failure("fetch_http_error", error.message);
          drops++;
          dropped = error.message;
          await pause(drops, input.signal);
          continue;
        }
        const answer = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          maxBytes: input.maxBytes,
        };
        let verdict = progress?.offset
          ? Resume.resumed({
              ...answer,
              offset,
              held: progress.validator,
              total: progress.totalBytes,
            })
          : Resume.fresh({ ...answer, held: progress?.validator });
        if (verdict.kind === "restart") {
          // The server sent the whole file again: that body is the restart.
          try {
            restart("The connection dropped and the server ignores Range");
          } catch (error) {
            response.destroy();
            throw error;
          }
          verdict = Resume.fresh(answer);
        }
        if (verdict.kind !== "read") response.destroy();
        switch (verdict.kind) {
          case "http_error":
            throw new Failure(
              "fetch_http_error",
              `The server answered ${verdict.status}`,
              verdict.status,
            );
          case "too_large":
            throw tooLarge(verdict.total, input.maxBytes);
          case "changed":
            throw new Failure(
              "fetch_changed",
              `The file changed while fetching: ${verdict.reason}`,
            );
          case "complete":
            return await complete(progress!);
        }
        if (!progress) {
          const uploadId = await Multipart.create({
            key: input.key,
            contentType: input.contentType ?? contentType(response) ?? "application/octet-stream",
          });
          progress = {
            url: input.url,
            key: input.key,
            uploadId,
            parts: [],
            offset: 0,
            restarts: 0,
          };
        }
        if (verdict.start === 0) {
          progress.validator = verdict.validator;
          progress.totalBytes = verdict.total;
        }
        const outcome = await pump(response, progress, {
          ...input,
          stallMs: hop.stallMs,
          base,
          stored: () => {
            drops = 0;
          },
        });
        if (outcome.kind === "done") return await complete(progress);
        if (outcome.kind === "deadline") return { done: false, progress };
        drops++;
        dropped = outcome.reason;
        await pause(drops, input.signal);
      }
    } catch (error) {
      if (progress && (error instanceof Failure || input.signal?.aborted)) {
        await Multipart.abort(progress).catch(() => {});
      }
      throw input.signal?.aborted ? input.signal.reason : error;
    }
  }

  /** A wait before reconnecting that doubles with each drop in a row: 0.1 s, 0.2 s, 0.4 s… */
  const pause = (drops: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, 100 * 2 ** Math.min(drops - 1, 5));
      signal?.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
    });

  const tooLarge = (bytes: number, max: number) =>
    new Failure(
      "fetch_too_large",
      `The file is over the ${max}-byte limit (${bytes} bytes or more)`,
    );

  const contentType = (response: IncomingMessage) =>
    response.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() || undefined;

  async function complete(progress: Progress): Promise<Result> {
    await Multipart.complete({
      key: progress.key,
      uploadId: progress.uploadId,
      parts: progress.parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })),
    });
    return { done: true, bytes: progress.offset };
  }

  type Outcome = { kind: "done" } | { kind: "deadline" } | { kind: "dropped"; reason: string };

  /**
   * Reads the body into parts, storing each as it fills: the next chunk is read only once the
   * part before it is stored, so a slow S3 slows the server (backpressure), never the memory.
   */
  async function pump(
    response: IncomingMessage,
    progress: Progress,
    input: RunInput & { stallMs: number; base: number; stored: () => void },
  ): Promise<Outcome> {
    const total = progress.totalBytes;
    const sizeOf = (n: number) => partSize(n, input.base, total);
    let part = Buffer.allocUnsafe(sizeOf(progress.parts.length + 1));
    let filled = 0;
    let cycle = Date.now();
    let lastCycleMs = 0;
    let stop: "deadline" | undefined;

    // Past the deadline with a part stored in this run, a slow part is given up (its bytes are
    // read again next run) rather than the whole run lost to the function's time limit.
    let hardStop: NodeJS.Timeout | undefined;
    const aborted = () => response.destroy();
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
      hardStop ??= setTimeout(
        () => {
          stop = "deadline";
          response.destroy();
        },
        Math.max(0, input.deadline - Date.now()),
      );
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
}
