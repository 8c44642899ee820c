import { describe, expect, it } from "vitest";
import { ObjectKeys, Storage } from "../src/storage";

// s3rver does not enforce POST policies, so the signed conditions are asserted exactly here.
describe("Storage.presignPost", () => {
  it("signs exactly the key, the Content-Type and the declared size, with no ACL", async () => {
    const before = Date.now();
    const key = ObjectKeys.source("vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    const post = await Storage.presignPost({ key, contentType: "video/mp4", bytes: 12345 });
    expect(post.method).toBe("POST");
    expect(post.maxBytes).toBe(12345);
    expect(post.fields.key).toBe(key);
    expect(post.fields["Content-Type"]).toBe("video/mp4");
    expect(Object.keys(post.fields).map((f) => f.toLowerCase())).not.toContain("acl");

    const policy = JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString());
    const expiration = Date.parse(policy.expiration);
    expect(expiration).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: "rushes-local-media" },
        { key },
        ["content-length-range", 1, 12345],
        ["eq", "$Content-Type", "video/mp4"],
        { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" },
      ]),
    );
    // Nothing else is allowed to vary: no starts-with, no acl.
    const loose = policy.conditions.filter(
      (c: unknown) => Array.isArray(c) && (c[0] === "starts-with" || c[1] === "$acl"),
    );
    expect(loose).toEqual([]);
    expect(policy.conditions.some((c: object) => "acl" in c)).toBe(false);
  });

  it("builds the content disposition with an ASCII fallback", () => {
    expect(Storage.contentDisposition('my "clip" é.mp4')).toBe(
      `attachment; filename="my _clip_ _.mp4"; filename*=UTF-8''my%20%22clip%22%20%C3%A9.mp4`,
    );
  });
});

describe("ObjectKeys", () => {
  it("parses only server-shaped source keys", () => {
    const id = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
    expect(ObjectKeys.parseSource(ObjectKeys.source(id))).toBe(id);
    expect(ObjectKeys.parseSource(`uploads/${id}/source/../x`)).toBeUndefined();
    expect(ObjectKeys.parseSource(`media/${id}/720p.mp4`)).toBeUndefined();
    expect(ObjectKeys.parseSource("uploads/whatever/source")).toBeUndefined();
  });

  it("keeps outputs out of the uploads/ prefix", () => {
    const id = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
    for (const key of [
      ObjectKeys.rendition(id, "720p"),
      ObjectKeys.thumbnail(id, 300),
      ObjectKeys.clip("clp_x"),
    ]) {
      expect(key.startsWith(ObjectKeys.uploadsPrefix)).toBe(false);
    }
    expect(ObjectKeys.clipThumbnail("clp_x", 640)).toBe("clips/clp_x/thumbnails/640.jpg");
  });
});
