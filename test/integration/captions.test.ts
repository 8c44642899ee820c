import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

// Subtitle tracks a user supplies, through the real runtime: SRT and WebVTT in, WebVTT stored
// and listed, the HLS master's SUBTITLES group and each track's playlist through the token.
let h: Harness;
let key: string;
let other: string;
let video: { id: string; playback: { hls: string } };

const srt = [
  "1",
  "00:00:00,500 --> 00:00:01,500",
  "Hello & <font color=red>welcome</font>",
  "",
  "2",
  "00:00:02,000 --> 00:00:03,250",
  "<i>Second</i>",
  "",
].join("\r\n");
const vtt = "WEBVTT\n\nNOTE dropped\n\n00:01.000 --> 00:02.000 align:start\nBonjour\n";

const put = (who: string, id: string, language: string, body: string, type: string, query = "") =>
  h.api(who, "PUT", `/v1/videos/${id}/captions/${language}${query}`, undefined, {
    raw: body,
    headers: { "content-type": type },
  });

/**
 * A PUT on a connection of its own: the server answers 413 before reading the body and drops
 * the connection, which must not be one a later fetch reuses.
 */
const putOnItsOwn = (path: string, body: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${h.runtime.url}${path}`, {
      method: "PUT",
      agent: false,
      headers: { authorization: `Bearer ${key}`, "content-type": "text/vtt" },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.end(body);
  });

const list = async (who = key, id = video.id) => h.api(who, "GET", `/v1/videos/${id}/captions`);

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300" } });
  [key, other] = await Promise.all([h.newKey("captions-owner"), h.newKey("captions-other")]);
  ({ video } = await h.ingest(key, "source.mp4", { width: 320, height: 240, seconds: 4, fps: 25 }));
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

describe("uploading subtitle tracks", () => {
  it("stores an SRT as WebVTT, with the label asked for", async () => {
    const res = await put(
      key,
      video.id,
      "en-us",
      srt,
      "application/x-subrip",
      "?name=English%20CC",
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      language: "en-US",
      name: "English CC",
      source: "upload",
      status: "ready",
    });
    const file = await fetch(res.body.url);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(
      [
        "WEBVTT",
        "",
        "00:00:00.500 --> 00:00:01.500",
        "Hello &amp; welcome",
        "",
        "00:00:02.000 --> 00:00:03.250",
        "<i>Second</i>",
        "",
      ].join("\n"),
    );
  });

  it("stores a WebVTT, named after its language by default, and lists both", async () => {
    const res = await put(key, video.id, "fr", vtt, "text/vtt; charset=utf-8");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ language: "fr", name: "French", source: "upload" });
    const listed = await list();
    expect(listed.status).toBe(200);
    expect(
      listed.body.data.map((t: { language: string; name: string; source: string }) => [
        t.language,
        t.name,
        t.source,
      ]),
    ).toEqual([
      ["en-US", "English CC", "upload"],
      ["fr", "French", "upload"],
    ]);
    for (const track of listed.body.data) {
      expect((await fetch(track.url)).status).toBe(200);
    }
  });

  it("replaces a language's track on a second PUT, whatever the tag's case", async () => {
    const replaced = "WEBVTT\n\n00:00.000 --> 00:00.900\nVersion two\n";
    const res = await put(key, video.id, "FR", replaced, "text/vtt", "?name=Fran%C3%A7ais");
    expect(res.status).toBe(200);
    const { data } = (await list()).body;
    expect(data).toHaveLength(2);
    const fr = data.find((t: { language: string }) => t.language === "fr");
    expect(fr.name).toBe("Français");
    expect(await (await fetch(fr.url)).text()).toContain("Version two");
    expect(await h.objects(`media/${video.id}/captions/`)).toEqual([
      `media/${video.id}/captions/en-us.vtt`,
      `media/${video.id}/captions/fr.vtt`,
    ]);
  });
});

describe("refusals", () => {
  it("answers 404 to another owner, whatever the case of the id or the language", async () => {
    const ids = [video.id, video.id.toUpperCase(), video.id.toLowerCase()];
    for (const id of ids) {
      expect((await list(other, id)).status).toBe(404);
      for (const language of ["en-US", "EN-us", "fr"]) {
        const putRes = await put(other, id, language, vtt, "text/vtt");
        expect(putRes.status).toBe(404);
        expect(putRes.body.error.code).toBe("not_found");
        const del = await h.api(other, "DELETE", `/v1/videos/${id}/captions/${language}`);
        expect(del.status).toBe(404);
      }
    }
    // Refused before its body is read: a broken file for someone else's video is still 404.
    expect((await put(other, video.id, "de", "nonsense", "text/vtt")).status).toBe(404);
    expect((await list()).body.data).toHaveLength(2);
  });

  it("answers 409 for a video that is not ready", async () => {
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "later.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    expect(created.status).toBe(201);
    const res = await put(key, created.body.video.id, "en", vtt, "text/vtt");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("video_not_ready");
  });

  it("answers 413 over 1 MiB, 415 for other types, 400 for a bad tag, 422 naming the line", async () => {
    const cue = "00:00.000 --> 00:01.000\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n";
    const big = `WEBVTT\n\n${cue.repeat(Math.ceil((1024 * 1024) / cue.length) + 1)}`;
    const tooBig = await putOnItsOwn(`/v1/videos/${video.id}/captions/de`, big);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.text).error.code).toBe("too_large");
    // Just under the limit is fine: the API's usual 64 KiB cap does not apply here.
    const under = `WEBVTT\n\n${cue.repeat(Math.floor((1000 * 1024) / cue.length))}`;
    expect((await put(key, video.id, "de", under, "text/vtt")).status).toBe(200);
    expect((await h.api(key, "DELETE", `/v1/videos/${video.id}/captions/de`)).status).toBe(204);

    for (const type of ["application/json", "text/plain", "application/x-subrip-not"]) {
      const res = await put(key, video.id, "de", vtt, type);
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe("unsupported_media_type");
    }
    for (const tag of ["english!", "en_US", "x"]) {
      const res = await put(key, video.id, tag, vtt, "text/vtt");
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_language");
    }
    const broken = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nbad\n";
    const res = await put(key, video.id, "de", broken, "application/x-subrip");
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: "invalid_captions",
      message: expect.stringMatching(/^Line 6: /),
    });
    const wrongFormat = await put(key, video.id, "de", srt, "text/vtt");
    expect(wrongFormat.status).toBe(422);
    expect(wrongFormat.body.error.message).toMatch(/^Line 1: .*WEBVTT/);
    expect((await list()).body.data).toHaveLength(2);
  });
});

describe("automatic tracks' rows (what the Captioner pipeline writes through)", () => {
  it("begins processing once per language, fails only from processing, and saves ready", async () => {
    const { Captions } = await import("@rushes/core/captions");
    const owner = "captions-owner";
    const track = { owner, videoId: video.id, language: "de", source: "auto" as const };
    const begun = await Captions.begin(track);
    expect(begun).toMatchObject({ language: "de", source: "auto", status: "processing" });
    await expect(Captions.begin({ ...track, language: "DE" })).rejects.toMatchObject({
      kind: "conflict",
      code: "captions_in_progress",
    });
    await expect(Captions.begin({ ...track, owner: "captions-other" })).rejects.toMatchObject({
      kind: "not_found",
    });
    // Listed while processing, with no download yet; not in the master until ready.
    const listed = (await list()).body.data.find((t: { language: string }) => t.language === "de");
    expect(listed).toMatchObject({ status: "processing", source: "auto" });
    expect(listed.url).toBeUndefined();
    expect(await (await fetch(video.playback.hls)).text()).not.toContain('LANGUAGE="de"');

    const error = { code: "no_speech", message: "No speech was found" };
    expect(await Captions.fail("captions-other", video.id, "de", error)).toBeUndefined();
    expect(await Captions.fail(owner, video.id, "de", error)).toMatchObject({
      status: "failed",
      error,
    });
    expect(await Captions.fail(owner, video.id, "de", error)).toBeUndefined();
    // A failed language may begin again, and a save makes it ready with its VTT.
    await Captions.begin(track);
    const saved = await Captions.save({ ...track, vtt: Captions.parse(vtt, "vtt") });
    expect(saved).toMatchObject({ status: "ready", source: "auto" });
    expect((await Captions.get(owner, video.id, "de")).error).toBeUndefined();
    expect(await (await fetch(video.playback.hls)).text()).toContain('LANGUAGE="de"');
    await Captions.remove(owner, video.id, "de");
    await expect(Captions.get(owner, video.id, "de")).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("in the HLS master, through the playback token", () => {
  const token = () => video.playback.hls.split("/").at(-2)!;
  const base = () => video.playback.hls.slice(0, video.playback.hls.indexOf(token()));

  it("lists the tracks as one SUBTITLES group that every variant names", async () => {
    const res = await fetch(video.playback.hls);
    // The tracks change under the same token: a player must not keep an old master.
    expect(res.headers.get("cache-control")).toBe("private, max-age=0");
    const master = await res.text();
    const media = master.split("\n").filter((l) => l.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"));
    expect(media).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English CC",LANGUAGE="en-US",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="captions/en-us/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="captions/fr/index.m3u8"',
    ]);
    const variants = master.split("\n").filter((l) => l.startsWith("#EXT-X-STREAM-INF:"));
    expect(variants.length).toBeGreaterThan(0);
    for (const line of variants) expect(line).toMatch(/,SUBTITLES="subs"$/);
    // The group comes before the variants that name it.
    expect(master.indexOf("TYPE=SUBTITLES")).toBeLessThan(master.indexOf("#EXT-X-STREAM-INF"));
  });

  it("serves each track as one signed WebVTT segment covering the whole video", async () => {
    const res = await fetch(`${base()}${token()}/captions/en-us/index.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    const text = await res.text();
    const extinf = Number(/#EXTINF:([\d.]+),/.exec(text)?.[1]);
    expect(extinf).toBeGreaterThan(3.9);
    expect(extinf).toBeLessThan(4.2);
    expect(text).toContain("#EXT-X-TARGETDURATION:");
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(text.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    const segments = text.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(segments).toHaveLength(1);
    expect(segments[0]).toContain(`media/${video.id}/captions/en-us.vtt`);
    expect(segments[0]).toMatch(/X-Amz-Signature=/);
    const segment = await fetch(segments[0]!);
    expect(segment.status).toBe(200);
    expect(await segment.text()).toContain("00:00:02.000 --> 00:00:03.250");
  });

  it("answers 403 to a tampered token and 404 to a language with no track", async () => {
    const flipped = `${token().slice(0, -1)}${token().endsWith("A") ? "B" : "A"}`;
    for (const path of ["captions/en-us/index.m3u8", "captions/de/index.m3u8", "master.m3u8"]) {
      const res = await fetch(`${base()}${flipped}/${path}`);
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe("invalid_token");
    }
    for (const path of [
      "captions/de/index.m3u8",
      "captions/EN-US/index.m3u8",
      "captions/index/index.m3u8",
    ]) {
      expect((await fetch(`${base()}${token()}/${path}`)).status).toBe(404);
    }
  });
});

describe("deleting", () => {
  it("removes one track: 204, then gone from the list, the master and storage", async () => {
    const res = await h.api(key, "DELETE", `/v1/videos/${video.id}/captions/FR`);
    expect(res.status).toBe(204);
    expect((await list()).body.data.map((t: { language: string }) => t.language)).toEqual([
      "en-US",
    ]);
    const master = await (await fetch(video.playback.hls)).text();
    expect(master).not.toContain('LANGUAGE="fr"');
    expect(master).toContain('LANGUAGE="en-US"');
    const token = video.playback.hls.split("/").at(-2)!;
    const playlist = video.playback.hls.replace("master.m3u8", "captions/fr/index.m3u8");
    expect(playlist).toContain(token);
    expect((await fetch(playlist)).status).toBe(404);
    expect(await h.objects(`media/${video.id}/captions/`)).toEqual([
      `media/${video.id}/captions/en-us.vtt`,
    ]);
    expect((await h.api(key, "DELETE", `/v1/videos/${video.id}/captions/fr`)).status).toBe(404);
  });

  it("deleting the video deletes its tracks' rows and objects", async () => {
    expect((await h.api(key, "DELETE", `/v1/videos/${video.id}`)).status).toBe(204);
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { data } = await Dynamo.entities.caption.query.byId({ videoId: video.id }).go();
    expect(data).toEqual([]);
    expect(await h.objects(`media/${video.id}/captions/`)).toEqual([]);
  });
});
