import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partSize } from "../../src/fetch/parts";
import { Redirect } from "../../src/fetch/redirect";
import { Resume } from "../../src/fetch/resume";
import { Multipart } from "../../src/storage/multipart";

const MiB = 1024 ** 2;

describe("Redirect", () => {
  it("takes http and https only", () => {
    expect(Redirect.parse("https://cdn.example.com/a.mp4").ok).toBe(true);
    for (const url of ["ftp://example.com/a", "file:///etc/passwd", "gopher://x/", "not a url"]) {
      expect(Redirect.parse(url).ok, url).toBe(false);
    }
  });

  it("resolves a relative Location against the hop it came from", () => {
    const next = Redirect.follow(new URL("https://a.example/dir/file?x=1"), "../other.mp4#frag");
    expect(next).toEqual({ ok: true, url: new URL("https://a.example/other.mp4") });
  });

  it("refuses a redirect to another scheme", () => {
    for (const location of ["ftp://a.example/f", "file:///etc/passwd", "javascript:alert(1)"]) {
      expect(Redirect.follow(new URL("https://a.example/"), location).ok, location).toBe(false);
    }
  });

  it("never takes credentials from a Location", () => {
    const next = Redirect.follow(new URL("https://a.example/"), "https://user:pw@b.example/f");
    expect(next.ok && next.url.href).toBe("https://b.example/f");
  });

  it("sends the user's credentials only to the user's origin", () => {
    const user = new URL("https://me:p%40ss@a.example/f");
    expect(Redirect.target(user, user)).toEqual({
      url: new URL("https://a.example/f"),
      auth: "me:p@ss",
    });
    expect(Redirect.target(new URL("https://a.example/g"), user).auth).toBe("me:p@ss");
    for (const other of ["https://b.example/f", "http://a.example/f", "https://a.example:8443/f"]) {
      expect(Redirect.target(new URL(other), user), other).toEqual({ url: new URL(other) });
    }
    expect(Redirect.target(new URL("https://a.example/f"), new URL("https://a.example/"))).toEqual({
      url: new URL("https://a.example/f"),
    });
  });
});

describe("Redirect properties", () => {
  const origin = fc.record({
    scheme: fc.constantFrom("http", "https"),
    host: fc.constantFrom("a.example", "b.example", "A.EXAMPLE", "127.0.0.1", "[::1]"),
    port: fc.constantFrom("", ":80", ":443", ":8080"),
  });
  const spell = (o: { scheme: string; host: string; port: string }) =>
    `${o.scheme}://${o.host}${o.port}`;
  const userinfo = fc.constantFrom("", "u@", "u:p@", "x:y%40z@");

  it("sends credentials only to the user's origin, and only the user's", () => {
    fc.assert(
      fc.property(origin, userinfo, origin, userinfo, (from, mine, to, theirs) => {
        const withInfo = (o: typeof from, info: string) => spell(o).replace("://", `://${info}`);
        const user = new URL(`${withInfo(from, mine)}/`);
        const next = Redirect.follow(user, `${withInfo(to, theirs)}/f`);
        if (!next.ok) return false;
        const { url, auth } = Redirect.target(next.url, user);
        expect(url.username + url.password).toBe("");
        if (auth !== undefined) {
          expect(next.url.origin).toBe(user.origin);
          expect(mine).not.toBe("");
          expect(auth).toBe(
            `${decodeURIComponent(user.username)}:${decodeURIComponent(user.password)}`,
          );
        } else {
          expect(mine === "" || next.url.origin !== user.origin).toBe(true);
        }
        return true;
      }),
    );
  });
});

describe("Resume", () => {
  const etag = '"v1"';
  const date = "Mon, 07 Dec 2026 05:00:00 GMT";

  it("reads the validator from the headers", () => {
    expect(Resume.validator({ etag, "last-modified": date })).toEqual({ etag, lastModified: date });
    expect(Resume.validator({})).toBeUndefined();
  });

  it("continues with If-Range on a strong ETag, else the date, and not at all without either", () => {
    expect(Resume.headers(10, { etag, lastModified: date })).toEqual({
      range: "bytes=10-",
      "if-range": etag,
    });
    expect(Resume.headers(10, { etag: 'W/"w"', lastModified: date })).toEqual({
      range: "bytes=10-",
      "if-range": date,
    });
    // A weak ETag cannot go in If-Range; it is compared on the 206 instead.
    expect(Resume.headers(10, { etag: 'W/"w"' })).toEqual({ range: "bytes=10-" });
    expect(Resume.headers(10, undefined)).toBeUndefined();
  });

  it("parses Content-Range", () => {
    expect(Resume.contentRange("bytes 5-9/10")).toEqual({ start: 5, end: 9, total: 10 });
    expect(Resume.contentRange("bytes 5-9/*")).toEqual({ start: 5, end: 9, total: undefined });
    expect(Resume.contentRange("bytes */10")).toEqual({ total: 10 });
    expect(Resume.contentRange("items 1-2/3")).toBeUndefined();
    expect(Resume.contentRange(undefined)).toBeUndefined();
  });

  const base = { maxBytes: 100, held: { etag }, total: 50 };
  const judge = (status: number, headers: Record<string, string>, offset = 20) =>
    Resume.resumed({ ...base, status, headers, offset });
  const fresh = (status: number, headers: Record<string, string>, held?: { etag: string }) =>
    Resume.fresh({ status, headers, maxBytes: 100, held });

  it("reads a fresh answer from byte 0, refusing a Content-Length over the limit", () => {
    expect(fresh(200, { etag, "content-length": "50" })).toEqual({
      kind: "read",
      start: 0,
      total: 50,
      validator: { etag },
    });
    expect(fresh(200, {})).toEqual({ kind: "read", start: 0, validator: undefined });
    expect(fresh(200, { "content-length": "101" })).toEqual({ kind: "too_large", total: 101 });
    expect(fresh(503, {})).toEqual({ kind: "http_error", status: 503 });
    expect(fresh(206, {})).toEqual({ kind: "http_error", status: 206 });
    // A continuation that stored nothing yet still holds the file to its validator.
    expect(fresh(200, { etag: '"v2"' }, { etag }).kind).toBe("changed");
  });

  it("continues a 206 that starts at the offset with the same validator and size", () => {
    expect(judge(206, { etag, "content-range": "bytes 20-49/50" })).toEqual({
      kind: "read",
      start: 20,
      total: 50,
      validator: { etag },
    });
  });

  it("restarts when the server sends the whole file, or a range from elsewhere", () => {
    expect(judge(200, { etag, "content-length": "50" })).toEqual({ kind: "restart" });
    expect(judge(200, {})).toEqual({ kind: "restart" });
    expect(judge(206, { etag, "content-range": "bytes 0-49/50" })).toEqual({ kind: "restart" });
  });

  it("calls a moved validator or size a change", () => {
    expect(judge(200, { etag: '"v2"' }).kind).toBe("changed");
    expect(judge(206, { etag: '"v2"', "content-range": "bytes 20-49/50" }).kind).toBe("changed");
    expect(judge(206, { etag, "content-range": "bytes 20-59/60" }).kind).toBe("changed");
    expect(judge(412, {}).kind).toBe("changed");
    expect(judge(416, { "content-range": "bytes */10" }).kind).toBe("changed");
  });

  it("compares Last-Modified when there is no ETag on both sides", () => {
    const held = { lastModified: date };
    expect(Resume.moved(held, { lastModified: date })).toBe(false);
    expect(Resume.moved(held, { lastModified: "Tue, 08 Dec 2026 05:00:00 GMT" })).toBe(true);
    expect(Resume.moved({ etag: 'W/"a"' }, { etag: '"a"' })).toBe(false);
    expect(Resume.moved(undefined, { etag })).toBe(false);
  });

  it("is complete when a 416 says the stored bytes are the whole file", () => {
    expect(judge(416, { "content-range": "bytes */50" }, 50)).toEqual({ kind: "complete" });
  });

  it("reports other statuses with their code", () => {
    expect(judge(404, {})).toEqual({ kind: "http_error", status: 404 });
  });
});

describe("partSize", () => {
  it("plans by the size when it is known", () => {
    expect(partSize(1, 5 * MiB, 12 * MiB)).toBe(5 * MiB);
    expect(partSize(9_000, 5 * MiB, 4 * 1024 ** 4)).toBe(Multipart.plan(4 * 1024 ** 4).partSize);
  });

  it("doubles every 1,000 parts when the size is unknown, reaching S3's object limit", () => {
    expect(partSize(1, 5 * MiB)).toBe(5 * MiB);
    expect(partSize(1000, 5 * MiB)).toBe(5 * MiB);
    expect(partSize(1001, 5 * MiB)).toBe(10 * MiB);
    let reach = 0;
    for (let n = 1; n <= Multipart.maxParts; n++) reach += partSize(n, 8 * MiB);
    expect(reach).toBeGreaterThanOrEqual(5 * 1024 ** 4);
    expect(partSize(10_000, 8 * MiB)).toBeLessThanOrEqual(Multipart.maxPartBytes);
  });
});
