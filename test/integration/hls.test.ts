import { writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect, videoFrames } from "../support/media";
import { type Harness, startHarness } from "./harness";

// A 1080p upload through the real runtime ends with a four-rung fMP4 ladder that plays through
// the tokenised URLs alone: no API key, every playlist followed and every segment downloaded.
let h: Harness;
let key: string;
let dir: string;
let video: {
  id: string;
  hls: {
    masterKey: string;
    rungs: { name: string; width: number; height: number; bandwidth: number; codecs: string }[];
  };
  storyboard: { key: string; sheets: string[] };
  playback: { hls: string; storyboard: string; expiresAt: string };
};
const fps = 25;
const seconds = 3;

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300" } });
  dir = h.dir;
  key = await h.newKey("hls-owner");
  const source = { width: 1920, height: 1080, seconds, fps, gopSeconds: 3 };
  ({ video } = await h.ingest(key, "source.mp4", source));
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), res };
};
const lines = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));

describe("a 1080p upload", () => {
  it("ends ready with four rungs described from the written files", () => {
    expect((video as unknown as { status: string }).status).toBe("ready");
    expect(video.hls.masterKey).toBe(`media/${video.id}/hls/master.m3u8`);
    expect(video.hls.rungs.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      "1080p 1920x1080",
      "720p 1280x720",
      "480p 854x480",
      "360p 640x360",
    ]);
    for (const rung of video.hls.rungs) {
      expect(rung.codecs).toMatch(/^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/);
      expect(rung.bandwidth).toBeGreaterThan(128_000);
    }
    // Larger rungs cost more bits.
    const bandwidths = video.hls.rungs.map((r) => r.bandwidth);
    expect([...bandwidths].sort((a, b) => b - a)).toEqual(bandwidths);
    expect(new Date(video.playback.expiresAt).getTime()).toBeGreaterThan(Date.now() + 5 * 3600_000);
  });

  it("plays through the token alone: master, every rung, every segment, the storyboard", async () => {
    const master = await get(video.playback.hls);
    expect(master.status).toBe(200);
    expect(master.type).toBe("application/vnd.apple.mpegurl");
    const masterText = await master.res.text();
    expect(masterText).toContain('CODECS="avc1.640028,mp4a.40.2"');
    expect(masterText).toContain("RESOLUTION=1920x1080");
    const audioUri = /URI="([^"]+)"/.exec(masterText)?.[1];
    expect(audioUri).toBe("audio/index.m3u8");
    const renditions = [...lines(masterText), audioUri!];
    expect(renditions).toEqual([
      "1080p/index.m3u8",
      "720p/index.m3u8",
      "480p/index.m3u8",
      "360p/index.m3u8",
      "audio/index.m3u8",
    ]);

    const keyframes: Record<string, number[]> = {};
    for (const uri of renditions) {
      const name = uri.split("/")[0]!;
      const playlist = await get(new URL(uri, video.playback.hls).href);
      expect(playlist.status).toBe(200);
      const text = await playlist.res.text();
      expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
      const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
      const urls = [init!, ...lines(text)];
      const parts: Buffer[] = [];
      for (const url of urls) {
        // Absolute, signed, fetched with no header at all.
        expect(url).toMatch(new RegExp(`^http://[^/]+/.*media/${video.id}/hls/${name}/`));
        const part = await get(url);
        expect(part.status).toBe(200);
        parts.push(Buffer.from(await part.res.arrayBuffer()));
      }
      const joined = join(dir, `${name}.mp4`);
      await writeFile(joined, Buffer.concat(parts));
      const info = await inspect(joined);
      if (name === "audio") {
        expect(info.audio?.codec).toBe("aac");
        expect(Math.abs(info.durationMs - seconds * 1000)).toBeLessThanOrEqual(50);
        continue;
      }
      const rung = video.hls.rungs.find((r) => r.name === name)!;
      expect(info.video).toMatchObject({
        codec: "h264",
        profile: "High",
        width: rung.width,
        height: rung.height,
      });
      expect(info.audio).toBeUndefined();
      // Fragments carry B-frame delay without an edit list, so measure the frames' own span.
      const frames = await videoFrames(joined);
      const span = Math.max(...frames.all) + 1 / fps - Math.min(...frames.all);
      expect(Math.abs(span - seconds)).toBeLessThanOrEqual(1 / fps + 0.001);
      keyframes[name] = frames.keyframes.map((t) =>
        Number((t - Math.min(...frames.all)).toFixed(3)),
      );
    }
    // Keyframes on the 2 s grid, identical in every rung, so players can switch anywhere.
    expect(keyframes["1080p"]).toEqual([0, 2]);
    for (const name of ["720p", "480p", "360p"])
      expect(keyframes[name]).toEqual(keyframes["1080p"]);

    const storyboard = await get(video.playback.storyboard);
    expect(storyboard.status).toBe(200);
    expect(storyboard.type).toMatch(/^text\/vtt/);
    const cues = (await storyboard.res.text()).split("\n").filter((l) => l.includes("#xywh="));
    expect(cues).toEqual([
      expect.stringMatching(/#xywh=0,0,160,90$/),
      expect.stringMatching(/#xywh=160,0,160,90$/),
    ]);
    const sheet = await get(cues[0]!.split("#")[0]!);
    expect(sheet.status).toBe(200);
    expect(sheet.type).toBe("image/jpeg");
    const sheetPath = join(dir, "sheet.jpg");
    await writeFile(sheetPath, Buffer.from(await sheet.res.arrayBuffer()));
    expect((await inspect(sheetPath)).video).toMatchObject({ width: 320, height: 90 });
  }, 120_000);

  it("sends a rung playlist gzipped to a client that takes it, and plain to one that does not", async () => {
    // node:http, not fetch: fetch would decode the body and hide what went over the wire.
    const raw = (url: string, encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((done, fail) => {
        request(url, { headers: { "accept-encoding": encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => done({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
          .on("error", fail)
          .end();
      });
    const url = new URL("1080p/index.m3u8", video.playback.hls).href;
    const [zipped, plain] = await Promise.all([raw(url, "gzip, deflate"), raw(url, "identity")]);
    expect(plain.body.length).toBeGreaterThan(512);
    expect(zipped.headers["content-encoding"], JSON.stringify(zipped.headers)).toBe("gzip");
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const unzipped = gunzipSync(zipped.body).toString();
    // The same playlist; each URL is signed per request, so compare them without their queries.
    const unsigned = (text: string) => text.replace(/\?[^\n"]*/g, "");
    expect(unsigned(unzipped)).toBe(unsigned(plain.body.toString()));
    expect(unzipped).toContain("#EXT-X-ENDLIST");
    // One segment here; an hour of them compresses to a small fraction (the README says how small).
    expect(zipped.body.length).toBeLessThan(plain.body.length);
  });

  it("answers 403 to a tampered, expired or foreign token, with the usual error body", async () => {
    const { PlaybackToken } = await import("@rushes/core/playback");
    const token = video.playback.hls.split("/").at(-2)!;
    const base = video.playback.hls.slice(0, video.playback.hls.indexOf(token));
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    const expired = PlaybackToken.sign(video.id, Math.floor(Date.now() / 1000) - 1);
    // Signed with another deployment's secret: same shape, wrong MAC.
    const [id, exp] = token.split(".");
    const foreign = `${id}.${exp}.${Buffer.alloc(16, 7).toString("base64url")}`;
    for (const bad of [flipped, expired, foreign, "nonsense"]) {
      for (const path of ["master.m3u8", "720p/index.m3u8", "storyboard.vtt"]) {
        const res = await fetch(`${base}${bad}/${path}`);
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({
          error: { code: "invalid_token", message: "The playback token is invalid or expired" },
        });
      }
    }
    const missing = await fetch(`${base}${token}/2160p/index.m3u8`);
    expect(missing.status).toBe(404);
  });

  it("gives no other owner a token for the video", async () => {
    const other = await h.newKey("hls-other");
    const res = await h.api(other, "GET", `/v1/videos/${video.id}`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain("/v1/playback/");
  });
});
