// The uploader: the presigned POST for small files, resumable S3 multipart for large ones.
import {
  BasePlugin,
  type Body,
  type Meta,
  type PluginOpts,
  type Uppy,
  type UppyFile,
} from "@uppy/core";
import { ApiError, api } from "../api";
import { fingerprint, forget, type Resumable, remember, resumable } from "./resume";

/**
 * Why not @uppy/aws-s3: since v6 it makes every multipart call (create, list, complete, abort)
 * to S3 itself through signed URLs. In rushes the server alone creates the upload (it fixes the
 * key and the Content-Type) and completes it, so the browser only PUTs parts: this plugin speaks
 * the API's routes instead, and keeps `{videoId, uploadId}` per file so a reload can resume.
 */
export interface EngineHooks<F> {
  /** Creates the video and its upload (POST /v1/uploads) for a file. */
  create(
    file: F,
  ): Promise<
    | { videoId: string; method: "POST"; url: string; fields: Record<string, string> }
    | ({ method: "MULTIPART" } & Omit<Resumable, "expiresAt"> & { expiresAt: string })
  >;
  /** A video of ours is being uploaded again after a reload. */
  resumed(file: F, videoId: string, done: number, total: number): void;
}

/** Parts in flight at once: enough to fill a link, few enough to keep each one moving. */
const concurrency = 4;
const signBatch = 100;

/** Which uploads this tab is running, so a removed file stops its requests. */
const running = new Map<string, AbortController>();

type Opts<M extends Meta, B extends Body> = PluginOpts & { hooks: EngineHooks<UppyFile<M, B>> };

export class RushesUploader<M extends Meta, B extends Body> extends BasePlugin<Opts<M, B>, M, B> {
  constructor(uppy: Uppy<M, B>, opts: Opts<M, B>) {
    super(uppy, opts);
    this.id = "RushesUploader";
    this.type = "uploader";
  }

  override install() {
    this.uppy.addUploader(this.upload);
    this.uppy.on("file-removed", this.removed);
  }

  override uninstall() {
    this.uppy.removeUploader(this.upload);
    this.uppy.off("file-removed", this.removed);
  }

  private removed = (file: UppyFile<M, B>) => {
    running.get(file.id)?.abort();
    forget(fingerprint(file));
  };

  private upload = async (ids: string[]) => {
    const files = ids
      .map((id) => this.uppy.getFile(id))
      .filter((f) => f && !f.progress.uploadComplete);
    this.uppy.emit("upload-start", files);
    await Promise.allSettled(files.map((file) => this.one(file)));
  };

  private async one(file: UppyFile<M, B>) {
    const controller = new AbortController();
    running.set(file.id, controller);
    const started = Date.now();
    const progress = (bytesUploaded: number) =>
      this.uppy.emit("upload-progress", this.uppy.getFile(file.id), {
        uploadStarted: started,
        bytesUploaded,
        bytesTotal: file.size,
      });
    try {
      const print = fingerprint(file);
      const previous = resumable(print);
      const resumedParts = previous ? await this.partsOf(previous.videoId) : undefined;
      if (previous && !resumedParts) forget(print);
      const plan =
        previous && resumedParts
          ? { ...previous, videoId: previous.videoId }
          : await this.opts.hooks.create(file);
      if ("method" in plan && plan.method === "POST") {
        await post(plan.url, plan.fields, file.data as Blob, progress, controller.signal);
      } else {
        const entry = {
          videoId: plan.videoId,
          uploadId: plan.uploadId,
          partSize: plan.partSize,
          partCount: plan.partCount,
          expiresAt:
            typeof plan.expiresAt === "string" ? Date.parse(plan.expiresAt) : plan.expiresAt,
        };
        remember(print, entry);
        const done = new Map((resumedParts ?? []).map((p) => [p.partNumber, p]));
        if (done.size) this.opts.hooks.resumed(file, entry.videoId, done.size, entry.partCount);
        await this.multipart(file, entry, done, progress, controller.signal);
        forget(print);
      }
      this.uppy.emit("upload-success", this.uppy.getFile(file.id), { status: 200, body: {} as B });
    } catch (error) {
      if (controller.signal.aborted) return;
      this.uppy.emit("upload-error", this.uppy.getFile(file.id), error as Error);
    } finally {
      running.delete(file.id);
    }
  }

  /**
   * The parts S3 already has for an earlier upload of this file; undefined if the API says it
   * cannot resume (gone, finished, another key's). A network error or a 5xx is retried, then
   * thrown: starting over would throw away the parts, and the next try can still resume them.
   */
  private async partsOf(videoId: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await api.listParts(videoId)).parts;
      } catch (error) {
        // Status 0 is the network's; a 4xx other than 429 is the API's answer.
        const transient =
          !(error instanceof ApiError) ||
          error.status === 0 ||
          error.status === 429 ||
          error.status >= 500;
        if (!transient) return undefined;
        if (attempt === 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
  }

  private async multipart(
    file: UppyFile<M, B>,
    plan: Resumable,
    done: Map<number, { partNumber: number; etag: string; bytes: number }>,
    progress: (bytes: number) => void,
    signal: AbortSignal,
  ) {
    const blob = file.data as Blob;
    const sizeOf = (n: number) => Math.min(plan.partSize, blob.size - (n - 1) * plan.partSize);
    const inFlight = new Map<number, number>();
    let settled = [...done.values()].reduce((sum, p) => sum + p.bytes, 0);
    const report = () => progress(settled + [...inFlight.values()].reduce((a, b) => a + b, 0));
    report();
    const todo = Array.from({ length: plan.partCount }, (_, i) => i + 1).filter(
      (n) => !done.has(n),
    );
    const urls = new Map<number, string>();
    const sign = async (n: number) => {
      if (!urls.has(n)) {
        const batch = todo.filter((m) => m >= n && !urls.has(m)).slice(0, signBatch);
        for (const part of (await api.signParts(plan.videoId, batch)).parts) {
          urls.set(part.partNumber, part.url);
        }
      }
      return urls.get(n) as string;
    };
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const n = todo[next++] as number;
        const body = blob.slice((n - 1) * plan.partSize, (n - 1) * plan.partSize + sizeOf(n));
        const etag = await put(
          await sign(n),
          body,
          (sent) => {
            inFlight.set(n, sent);
            report();
          },
          signal,
        );
        inFlight.delete(n);
        settled += body.size;
        done.set(n, { partNumber: n, etag, bytes: body.size });
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
    const parts = [...done.values()]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map(({ partNumber, etag }) => ({ partNumber, etag }));
    await api.completeUpload(plan.videoId, parts);
  }
}

function send(
  method: "PUT" | "POST",
  url: string,
  body: XMLHttpRequestBodyInit,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
) {
  return new Promise<XMLHttpRequest>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () =>
      xhr.status < 300
        ? resolve(xhr)
        : reject(new Error(`Storage answered ${xhr.status} ${xhr.statusText}`));
    xhr.onerror = () => reject(new Error("The upload lost its connection"));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** One part; S3 answers with its ETag, which the bucket's CORS rule exposes. */
async function put(url: string, body: Blob, onProgress: (n: number) => void, signal: AbortSignal) {
  const xhr = await send("PUT", url, body, onProgress, signal);
  const etag = xhr.getResponseHeader("etag");
  if (!etag) throw new Error("Storage did not expose the part's ETag (check the bucket's CORS)");
  return etag;
}

/** The presigned POST: its fields, then the file last. */
async function post(
  url: string,
  fields: Record<string, string>,
  file: Blob,
  onProgress: (n: number) => void,
  signal: AbortSignal,
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", file);
  await send("POST", url, form, onProgress, signal);
}
