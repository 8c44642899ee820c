import { createVerify, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { VisibleError } from "../src/error";
import { ChunkLadder } from "../src/media/chunked/ladder";
import { Hls } from "../src/media/hls/hls";
import { Playback, PlaybackToken, Playlist, Signer } from "../src/playback";

const videoId = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
const now = Date.UTC(2026, 0, 1);
const inAnHour = now / 1000 + 3600;

const forbidden = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VisibleError);
    expect((error as VisibleError).kind).toBe("forbidden");
    expect((error as VisibleError).code).toBe("invalid_token");
    return;
  }
  throw new Error("expected a forbidden error");
};

describe("playback tokens", () => {
  it("round-trips the video id and expiry, and carries nothing else", () => {
    const token = PlaybackToken.sign(videoId, inAnHour);
    expect(PlaybackToken.verify(token, now)).toEqual({ videoId, expiresAt: inAnHour });
    const [id, expires, mac] = token.split(".");
    expect(id).toBe(videoId);
    expect(Number.parseInt(expires!, 36)).toBe(inAnHour);
    expect(mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it("refuses a token past its expiry", () => {
    const token = PlaybackToken.sign(videoId, inAnHour);
    forbidden(() => PlaybackToken.verify(token, inAnHour * 1000));
    forbidden(() => PlaybackToken.verify(token, inAnHour * 1000 + 1));
    expect(PlaybackToken.verify(token, inAnHour * 1000 - 1).videoId).toBe(videoId);
  });

  it("refuses any edit: another video, a later expiry, a changed MAC, junk", () => {
    const token = PlaybackToken.sign(videoId, inAnHour);
    const [, expires, mac] = token.split(".");
    const other = "vid_01jd7m3y8q4k6x2v9c0b5n1e7s";
    forbidden(() => PlaybackToken.verify(`${other}.${expires}.${mac}`, now));
    forbidden(() =>
      PlaybackToken.verify(`${videoId}.${(inAnHour + 3600).toString(36)}.${mac}`, now),
    );
    const flipped = mac!.endsWith("A") ? `${mac!.slice(0, -1)}B` : `${mac!.slice(0, -1)}A`;
    forbidden(() => PlaybackToken.verify(`${videoId}.${expires}.${flipped}`, now));
    for (const junk of ["", "x", `${token}.x`, `clp_1.${expires}.${mac}`, `${videoId}..${mac}`]) {
      forbidden(() => PlaybackToken.verify(junk, now));
    }
  });

  it("links expire after RUSHES_PLAYBACK_EXPIRES_SECONDS (6 h), rounded up to the minute", () => {
    const links = Playback.links(videoId, "https://api.example/", { storyboard: true, now });
    expect(links.expiresAt).toBe(new Date(now + 6 * 3600 * 1000).toISOString());
    expect(links.hls).toMatch(/^https:\/\/api\.example\/v1\/playback\/vid_[^/]+\/master\.m3u8$/);
    expect(links.storyboard).toBe(links.hls.replace("master.m3u8", "storyboard.vtt"));
    const token = links.hls.split("/")[5]!;
    expect(PlaybackToken.verify(token, now).videoId).toBe(videoId);
  });
});

const media = [
  "#EXTM3U",
  "#EXT-X-VERSION:7",
  "#EXT-X-TARGETDURATION:6",
  "#EXT-X-PLAYLIST-TYPE:VOD",
  '#EXT-X-MAP:URI="init.mp4"',
  "#EXTINF:6.000000,",
  "00000.m4s",
  "#EXTINF:2.000000,",
  "00001.m4s",
  "#EXT-X-ENDLIST",
  "",
].join("\n");

describe("playlist rewriting", () => {
  const resolve = (uri: string) => `https://cdn.example/media/v/hls/720p/${uri}?sig=1`;

  it("replaces the init (EXT-X-MAP) and every segment URI, and nothing else", () => {
    expect(Playlist.uris(media)).toEqual(["init.mp4", "00000.m4s", "00001.m4s"]);
    const out = Playlist.rewrite(media, resolve).toString();
    expect(out.split("\n")).toEqual([
      "#EXTM3U",
      "#EXT-X-VERSION:7",
      "#EXT-X-TARGETDURATION:6",
      "#EXT-X-PLAYLIST-TYPE:VOD",
      `#EXT-X-MAP:URI="${resolve("init.mp4")}"`,
      "#EXTINF:6.000000,",
      resolve("00000.m4s"),
      "#EXTINF:2.000000,",
      resolve("00001.m4s"),
      "#EXT-X-ENDLIST",
      "",
    ]);
  });

  it("rewrites a growing EVENT playlist the same way, and it caches no longer than its target", () => {
    const event = ChunkLadder.playlist(
      {
        init: "init.mp4",
        segments: [
          { uri: "00000.m4s", duration: 6 },
          { uri: "00001.m4s", duration: 6 },
        ],
      },
      6,
      "EVENT",
    );
    expect(event).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(Playlist.ended(event)).toBe(false);
    expect(Playlist.targetDuration(event)).toBe(6);
    const out = Playlist.rewrite(event, resolve).toString();
    expect(out).toContain(`#EXT-X-MAP:URI="${resolve("init.mp4")}"`);
    expect(out.split("\n").filter((l) => l.startsWith("https://"))).toEqual([
      resolve("00000.m4s"),
      resolve("00001.m4s"),
    ]);
    expect(out).not.toContain("#EXT-X-ENDLIST");
    const { maxAgeSeconds } = Playback.served(Buffer.from(out), "x", inAnHour, now, 6);
    expect(maxAgeSeconds).toBe(6);
    // VOD (ENDLIST) keeps the five minutes a token allows.
    expect(Playlist.ended(media)).toBe(true);
    expect(Playback.served(Buffer.from(media), "x", inAnHour, now).maxAgeSeconds).toBe(300);
    // A VOD playlist as ffmpeg's event mode ends it: only the type line differs.
    expect(Hls.vod(`${event}#EXT-X-ENDLIST\n`)).toBe(
      ChunkLadder.playlist(
        {
          init: "init.mp4",
          segments: [
            { uri: "00000.m4s", duration: 6 },
            { uri: "00001.m4s", duration: 6 },
          ],
        },
        6,
      ),
    );
  });

  it("keeps byte ranges with their URIs and handles CRLF line ends", () => {
    const ranged =
      '#EXTM3U\r\n#EXT-X-MAP:URI="a.mp4",BYTERANGE="720@0"\r\n#EXTINF:6,\r\n#EXT-X-BYTERANGE:1000@720\r\na.mp4\r\n';
    const out = Playlist.rewrite(ranged, (uri) => `S/${uri}`).toString();
    expect(out).toBe(
      '#EXTM3U\n#EXT-X-MAP:URI="S/a.mp4",BYTERANGE="720@0"\n#EXTINF:6,\n#EXT-X-BYTERANGE:1000@720\nS/a.mp4\n',
    );
  });

  it("writes UTF-8 whether or not the playlist is all ASCII", () => {
    const named = '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="title",VALUE="Café ☕"\na.m4s\n';
    const out = Playlist.rewrite(named, (uri) => `S/${uri}`);
    expect(out.toString("utf8")).toBe(
      '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="title",VALUE="Café ☕"\nS/a.m4s\n',
    );
    expect(Playlist.rewrite("#EXTM3U\na.m4s\n", (uri) => `S/${uri}`).toString("utf8")).toBe(
      "#EXTM3U\nS/a.m4s\n",
    );
  });

  it("rewrites a master's audio and variant URIs", () => {
    const master =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",URI="audio/index.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n';
    expect(Playlist.uris(master)).toEqual(["audio/index.m3u8", "720p/index.m3u8"]);
    expect(Playlist.rewrite(master, (u) => `x/${u}`).toString()).toContain(
      'URI="x/audio/index.m3u8"',
    );
  });

  it("signs storyboard sheets and keeps each cue's #xywh fragment", () => {
    const vtt =
      "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n0.jpg#xywh=0,0,160,90\n\n00:00:02.000 --> 00:00:04.000\n1.jpg#xywh=160,0,160,90\n";
    expect(Playlist.vttImages(vtt)).toEqual(["0.jpg", "1.jpg"]);
    expect(Playlist.rewriteVtt(vtt, (i) => `https://s/${i}?q=1`).toString()).toBe(
      "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhttps://s/0.jpg?q=1#xywh=0,0,160,90\n\n00:00:02.000 --> 00:00:04.000\nhttps://s/1.jpg?q=1#xywh=160,0,160,90\n",
    );
  });

  it("lets only our own relative file names through", () => {
    for (const ok of ["00000.m4s", "init.mp4", "720p/index.m3u8", "0.jpg"]) {
      expect(Playlist.isLocal(ok)).toBe(true);
    }
    for (const bad of ["../x.m4s", "/etc/passwd", "https://evil/x.m4s", "a/b/c.m4s", "x.ts"]) {
      expect(Playlist.isLocal(bad)).toBe(false);
    }
  });
});

describe("the CloudFront signer", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signer = Signer.cloudFront({
    url: "https://d1.cloudfront.net/",
    keyPairId: "K2JCJMDEHXQW5F",
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  });
  const unbase = (s: string) =>
    Buffer.from(s.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");

  it("signs one custom policy over media/{videoId}/* and appends it to every URL", async () => {
    const sign = await signer.forVideo(videoId, inAnHour);
    const a = new URL(await sign(`media/${videoId}/hls/720p/00000.m4s`));
    const b = new URL(await sign(`media/${videoId}/hls/480p/init.mp4`));
    expect(a.origin + a.pathname).toBe(
      `https://d1.cloudfront.net/media/${videoId}/hls/720p/00000.m4s`,
    );
    expect(a.search).toBe(b.search);
    const policy = unbase(a.searchParams.get("Policy")!).toString();
    expect(JSON.parse(policy)).toEqual({
      Statement: [
        {
          Resource: `https://d1.cloudfront.net/media/${videoId}/*`,
          Condition: { DateLessThan: { "AWS:EpochTime": inAnHour } },
        },
      ],
    });
    expect(a.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    const signature = unbase(a.searchParams.get("Signature")!);
    expect(createVerify("RSA-SHA1").update(policy).verify(publicKey, signature)).toBe(true);
    // CloudFront's URL-safe alphabet: no value needs escaping in a query string.
    for (const part of a.search.slice(1).split("&"))
      expect(part.split("=")[1]).not.toMatch(/[+=/%]/);
  });

  it("rewrites a 600-segment playlist with one signature for the token", async () => {
    const lines = ["#EXTM3U", '#EXT-X-MAP:URI="init.mp4"'];
    for (let i = 0; i < 600; i++)
      lines.push("#EXTINF:6.000000,", `${String(i).padStart(5, "0")}.m4s`);
    const text = `${lines.join("\n")}\n#EXT-X-ENDLIST\n`;
    const rewritten = await Playback.signAll(
      text,
      () => Playlist.uris(text),
      Playlist.rewrite,
      (uri) => `media/${videoId}/hls/720p/${uri}`,
      signer,
    )(videoId, inAnHour).then(String);
    const urls = rewritten.split("\n").filter((l) => l.startsWith("https://"));
    expect(urls).toHaveLength(600);
    expect(new Set(urls.map((u) => new URL(u).search)).size).toBe(1);
    expect(rewritten).toContain(
      `URI="https://d1.cloudfront.net/media/${videoId}/hls/720p/init.mp4?Policy=`,
    );
  });
});
