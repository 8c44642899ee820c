import type { IncomingMessage } from "node:http";
import { Config } from "../config";
import { Multipart } from "../storage/multipart";
import { Dropped, FetchFailure as Failure, tooLarge } from "./failure";
import { type HopOptions, walk } from "./hop";
import { type FetchProgress, pump } from "./pump";
import { type Validator as HeldValidator, Resume } from "./resume";

/**
 * Ingest from a URL: the bytes go from the server straight into an S3 multipart upload, one
 * part in memory at a time, and a dropped connection resumes with Range from the last stored
 * part. A run stops near its deadline with its progress, which the next run continues from.
 * Every hop is SSRF-checked (hop.ts). A FetchFailure or a cancel aborts the multipart upload;
 * any other error (S3 failing, say) is thrown with the upload kept, so a retry of the same
 * progress carries on from it.
 */
export namespace UrlFetch {
  export type Validator = HeldValidator;
  export type Progress = FetchProgress;
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
    /**
     * Epoch ms: the run stops after the part it is storing when the next would end past it,
     * and at the latest here once it has stored one. Leave time for one part after it.
     */
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
          maxBytes: input.maxBytes,
          deadline: input.deadline,
          signal: input.signal,
          stallMs: hop.stallMs,
          partBytes: base,
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
}
