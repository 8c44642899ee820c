import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Config } from "../src/config";
import { Storage } from "../src/storage";

// s3rver has no UploadPartCopy, so the multipart copy's requests are asserted exactly here.
describe("Storage.copy", () => {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const fake = (fail?: (name: string, input: Record<string, unknown>) => boolean) =>
    vi.spyOn(S3Client.prototype, "send").mockImplementation((async (command: {
      constructor: { name: string };
      input: Record<string, unknown>;
    }) => {
      const name = command.constructor.name;
      sent.push({ name, input: command.input });
      if (fail?.(name, command.input)) throw new Error("SlowDown");
      if (name === "HeadObjectCommand") return { ContentType: "video/mp4", Metadata: { a: "b" } };
      if (name === "CreateMultipartUploadCommand") return { UploadId: "up-1" };
      if (name === "UploadPartCopyCommand")
        return { CopyPartResult: { ETag: `"etag-${command.input.PartNumber}"` } };
      return {};
    }) as never);

  afterEach(() => {
    vi.restoreAllMocks();
    sent.length = 0;
    Config.reset();
    delete process.env.RUSHES_S3_PART_COPY;
  });

  it("copies a small object with one conditional CopyObject", async () => {
    fake();
    await Storage.copy("uploads/vid_1/source", "sources/vid_1/source", {
      etag: '"abc"',
      bytes: 10 * 1024 ** 2,
    });
    expect(sent).toEqual([
      {
        name: "CopyObjectCommand",
        input: {
          Bucket: "rushes-local-media",
          Key: "sources/vid_1/source",
          CopySource: "rushes-local-media/uploads/vid_1/source",
          CopySourceIfMatch: '"abc"',
        },
      },
    ]);
  });

  it("copies a large one as part copies of its ranges, each conditional, then completes in order", async () => {
    fake();
    const part = Storage.copyPartBytes();
    const bytes = 2 * part + 1000;
    await Storage.copy("uploads/vid_1/source", "sources/vid_1/source", { etag: '"abc"', bytes });
    expect(sent[0]!.name).toBe("HeadObjectCommand");
    expect(sent[1]).toEqual({
      name: "CreateMultipartUploadCommand",
      input: {
        Bucket: "rushes-local-media",
        Key: "sources/vid_1/source",
        ContentType: "video/mp4",
        Metadata: { a: "b" },
      },
    });
    const parts = sent.filter((s) => s.name === "UploadPartCopyCommand").map((s) => s.input);
    expect(parts.map((p) => [p.PartNumber, p.CopySourceRange])).toEqual([
      [1, `bytes=0-${part - 1}`],
      [2, `bytes=${part}-${2 * part - 1}`],
      [3, `bytes=${2 * part}-${bytes - 1}`],
    ]);
    for (const p of parts) {
      expect(p).toMatchObject({
        Key: "sources/vid_1/source",
        UploadId: "up-1",
        CopySource: "rushes-local-media/uploads/vid_1/source",
        CopySourceIfMatch: '"abc"',
      });
    }
    expect(sent.at(-1)).toEqual({
      name: "CompleteMultipartUploadCommand",
      input: {
        Bucket: "rushes-local-media",
        Key: "sources/vid_1/source",
        UploadId: "up-1",
        MultipartUpload: {
          Parts: [1, 2, 3].map((n) => ({ ETag: `"etag-${n}"`, PartNumber: n })),
        },
      },
    });
  });

  it("aborts the multipart upload when a part fails, and says why", async () => {
    fake((name, input) => name === "UploadPartCopyCommand" && input.PartNumber === 2);
    await expect(
      Storage.copy("uploads/vid_1/source", "sources/vid_1/source", {
        bytes: 3 * Storage.copyPartBytes(),
      }),
    ).rejects.toThrow("SlowDown");
    expect(sent.at(-1)).toEqual({
      name: "AbortMultipartUploadCommand",
      input: { Bucket: "rushes-local-media", Key: "sources/vid_1/source", UploadId: "up-1" },
    });
    expect(sent.some((s) => s.name === "CompleteMultipartUploadCommand")).toBe(false);
  });

  it("takes the single copy where the store has no UploadPartCopy (the local runtime)", async () => {
    process.env.RUSHES_S3_PART_COPY = "false";
    Config.reset();
    fake();
    await Storage.copy("uploads/vid_1/source", "sources/vid_1/source", {
      bytes: 8 * Storage.copyPartBytes(),
    });
    expect(sent.map((s) => s.name)).toEqual(["CopyObjectCommand"]);
  });
});
