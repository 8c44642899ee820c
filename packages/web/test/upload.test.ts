import Uppy from "@uppy/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The web uploader's logic in Node: resume.ts's memory of unfinished uploads and engine.ts's
// multipart plugin on a real Uppy, with the API mocked and storage played by a fake
// XMLHttpRequest that records every part it is sent. The browser tests (test/e2e) run the same
// code against the real API and stand-in; these pin what a reload resumes, part by part.

const api = vi.hoisted(() => {
  class ApiError extends Error {
    constructor(
      readonly status: number,
      readonly code: string,
      message: string,
    ) {
      super(message);
    }
  }
  return {
    ApiError,
    api: {
      listParts: vi.fn(),
      signParts: vi.fn(),
      completeUpload: vi.fn(),
    },
  };
});
vi.mock("../src/api", () => api);

const { fingerprint, forget, remember, resumable } = await import("../src/upload/resume");
const { RushesUploader } = await import("../src/upload/engine");

/** localStorage as a Map; `full` makes every write throw, as a full quota does. */
class MemoryStorage {
  data = new Map<string, string>();
  full = false;
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.full) throw new DOMException("quota", "QuotaExceededError");
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

/** Storage's side of each request: PUTs answered with an ETag (the body's bytes), or `fail`. */
const sent: { method: string; url: string; body: unknown }[] = [];
let failPart: ((url: string) => number | undefined) | undefined;
class FakeXhr {
  method = "";
  url = "";
  status = 0;
  statusText = "";
  upload: { onprogress?: (e: { loaded: number }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  private etag = "";
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  getResponseHeader(name: string) {
    return name.toLowerCase() === "etag" ? this.etag : null;
  }
  abort() {
    this.onabort?.();
  }
  async send(body: Blob | FormData) {
    sent.push({ method: this.method, url: this.url, body });
    const bytes = body instanceof Blob ? Buffer.from(await body.arrayBuffer()) : undefined;
    this.upload.onprogress?.({ loaded: bytes?.length ?? 0 });
    this.status = failPart?.(this.url) ?? 200;
    this.etag = bytes ? `"${bytes.toString("latin1")}"` : "";
    this.onload?.();
  }
}

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  vi.stubGlobal("localStorage", storage);
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  sent.length = 0;
  failPart = undefined;
  api.api.listParts.mockReset();
  api.api.signParts.mockReset();
  api.api.completeUpload.mockReset();
  // Part n's URL names it, so a test can tell which parts went out.
  api.api.signParts.mockImplementation(async (_id: string, numbers: number[]) => ({
    parts: numbers.map((n) => ({ partNumber: n, url: `https://s3.test/part/${n}` })),
  }));
  api.api.completeUpload.mockResolvedValue({});
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const hour = 3600_000;
const entry = (over: Partial<Parameters<typeof remember>[1]> = {}) => ({
  videoId: "vid_1",
  uploadId: "up-1",
  partSize: 4,
  partCount: 3,
  expiresAt: Date.now() + hour,
  ...over,
});

describe("resume.ts", () => {
  it("finds an upload again by the file's name, size and mtime, until it is forgotten", () => {
    const file = { name: "a.mp4", size: 10, data: { lastModified: 5 } };
    expect(fingerprint(file)).toBe("a.mp4|10|5");
    expect(fingerprint({ ...file, data: { lastModified: 6 } })).not.toBe(fingerprint(file));
    expect(resumable(fingerprint(file))).toBeUndefined();
    remember(fingerprint(file), entry());
    remember("other|1|1", entry({ videoId: "vid_2" }));
    expect(resumable(fingerprint(file))).toEqual(entry({ expiresAt: expect.any(Number) }));
    forget(fingerprint(file));
    expect(resumable(fingerprint(file))).toBeUndefined();
    expect(resumable("other|1|1")?.videoId).toBe("vid_2");
  });

  it("drops what has expired, and survives a corrupt or full storage", () => {
    remember("old", entry({ expiresAt: Date.now() - 1 }));
    expect(resumable("old")).toBeUndefined();
    storage.data.set("rushes.multipart", "{not json");
    expect(resumable("any")).toBeUndefined();
    storage.full = true;
    expect(() => remember("x", entry())).not.toThrow();
    expect(resumable("x")).toBeUndefined();
  });
});

describe("engine.ts", () => {
  const content = "aaaabbbbcc"; // three parts of 4, 4 and 2 bytes
  function setup(create: () => Promise<unknown>) {
    const uppy = new Uppy({ autoProceed: false });
    const resumed = vi.fn();
    const createHook = vi.fn(create);
    uppy.use(RushesUploader, { hooks: { create: createHook as never, resumed } });
    const blob = new File([content], "clip.mp4", { type: "video/mp4", lastModified: 7 });
    const id = uppy.addFile({ name: "clip.mp4", type: "video/mp4", data: blob });
    const events: string[] = [];
    uppy.on("upload-success", () => events.push("success"));
    uppy.on("upload-error", (_f, error) => events.push(`error: ${error.message}`));
    const print = fingerprint(uppy.getFile(id));
    return { uppy, resumed, create: createHook, events, print };
  }
  const multipart = async () => ({
    method: "MULTIPART",
    ...entry(),
    expiresAt: "2999-01-01T00:00:00Z",
  });
  const putParts = () =>
    sent.filter((s) => s.method === "PUT").map((s) => Number(s.url.split("/").at(-1)));

  it("uploads every part once, with its bytes, completes in order and forgets the upload", async () => {
    const { uppy, events, print } = setup(multipart);
    await uppy.upload();
    expect(events).toEqual(["success"]);
    expect(putParts().sort()).toEqual([1, 2, 3]);
    const bodies = await Promise.all(
      sent.map(async (s) => Buffer.from(await (s.body as Blob).arrayBuffer()).toString()),
    );
    expect(bodies.sort()).toEqual(["aaaa", "bbbb", "cc"]);
    expect(api.api.completeUpload).toHaveBeenCalledWith("vid_1", [
      { partNumber: 1, etag: '"aaaa"' },
      { partNumber: 2, etag: '"bbbb"' },
      { partNumber: 3, etag: '"cc"' },
    ]);
    expect(resumable(print)).toBeUndefined();
  });

  it("after a failed part, keeps the upload to resume, and a reload sends only the missing parts", async () => {
    const first = setup(multipart);
    failPart = (url) => (url.endsWith("/3") ? 500 : undefined);
    await first.uppy.upload();
    expect(first.events).toEqual(["error: Storage answered 500 "]);
    expect(api.api.completeUpload).not.toHaveBeenCalled();
    expect(resumable(first.print)).toMatchObject({ videoId: "vid_1", uploadId: "up-1" });

    // The reload: a new Uppy, the same file; S3 lists parts 1 and 2.
    sent.length = 0;
    failPart = undefined;
    api.api.listParts.mockResolvedValue({
      parts: [
        { partNumber: 1, etag: '"aaaa"', bytes: 4 },
        { partNumber: 2, etag: '"bbbb"', bytes: 4 },
      ],
    });
    const second = setup(multipart);
    expect(second.print).toBe(first.print);
    await second.uppy.upload();
    expect(second.events).toEqual(["success"]);
    expect(second.create).not.toHaveBeenCalled();
    expect(api.api.listParts).toHaveBeenCalledWith("vid_1");
    expect(second.resumed).toHaveBeenCalledWith(expect.anything(), "vid_1", 2, 3);
    expect(putParts()).toEqual([3]);
    expect(api.api.completeUpload).toHaveBeenCalledWith("vid_1", [
      { partNumber: 1, etag: '"aaaa"' },
      { partNumber: 2, etag: '"bbbb"' },
      { partNumber: 3, etag: '"cc"' },
    ]);
    expect(resumable(second.print)).toBeUndefined();
  });

  it("starts over when the API says the old upload cannot resume", async () => {
    const { uppy, create, events, print } = setup(multipart);
    remember(print, entry({ videoId: "vid_gone" }));
    api.api.listParts.mockRejectedValue(new api.ApiError(404, "not_found", "gone"));
    await uppy.upload();
    expect(events).toEqual(["success"]);
    expect(create).toHaveBeenCalledOnce();
    expect(putParts().sort()).toEqual([1, 2, 3]);
    expect(api.api.completeUpload).toHaveBeenCalledWith("vid_1", expect.any(Array));
  });

  it("sends a small file as the presigned POST: the fields, then the file last", async () => {
    const { uppy, events } = setup(async () => ({
      videoId: "vid_s",
      method: "POST",
      url: "https://s3.test/bucket",
      fields: { key: "uploads/vid_s/source", "Content-Type": "video/mp4" },
    }));
    await uppy.upload();
    expect(events).toEqual(["success"]);
    expect(sent).toHaveLength(1);
    const form = sent[0]!.body as FormData;
    expect(sent[0]!.method).toBe("POST");
    expect([...form.keys()]).toEqual(["key", "Content-Type", "file"]);
    expect(await (form.get("file") as Blob).text()).toBe(content);
  });
});
