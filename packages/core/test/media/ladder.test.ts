import { describe, expect, it } from "vitest";
import { Hls, Plan, type Probe, Storyboard } from "../../src/media";

const probe = (width: number, height: number, extra: Partial<Probe.Info> = {}): Probe.Info => ({
  durationMs: 30_000,
  width,
  height,
  videoCodec: "h264",
  audioCodec: "aac",
  fps: 30,
  formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  ...extra,
});
const ladder = (width: number, height: number) =>
  Plan.forVideo("vid_a", probe(width, height), [300]).hls.rungs.map(
    (r) => `${r.name} ${r.width}x${r.height}`,
  );
const downloads = (width: number, height: number) =>
  Plan.forVideo("vid_a", probe(width, height), [300]).renditions.map((r) => r.name);

describe("the HLS ladder", () => {
  it("gives 4K and 1080p sources four rungs, never above 1080p", () => {
    const four = ["1080p 1920x1080", "720p 1280x720", "480p 854x480", "360p 640x360"];
    expect(ladder(3840, 2160)).toEqual(four);
    expect(ladder(1920, 1080)).toEqual(four);
  });

  it("never upscales: 720p gets three rungs, 480p two, 360p one", () => {
    expect(ladder(1280, 720)).toEqual(["720p 1280x720", "480p 854x480", "360p 640x360"]);
    expect(ladder(854, 480)).toEqual(["480p 854x480", "360p 640x360"]);
    expect(ladder(640, 360)).toEqual(["360p 640x360"]);
  });

  it("gives a source below 360p one rung at its own (even) short side", () => {
    expect(ladder(320, 180)).toEqual(["180p 320x180"]);
    expect(ladder(427, 241)).toEqual(["240p 426x240"]);
  });

  it("measures portrait sources by their short side", () => {
    expect(ladder(1080, 1920)).toEqual([
      "1080p 1080x1920",
      "720p 720x1280",
      "480p 480x854",
      "360p 360x640",
    ]);
    expect(ladder(180, 320)).toEqual(["180p 180x320"]);
  });

  it("keeps odd-sized sources' aspect with even dimensions", () => {
    expect(ladder(1000, 563)).toEqual(["480p 852x480", "360p 640x360"]);
    expect(ladder(1441, 1081)).toEqual([
      "1080p 1440x1080",
      "720p 960x720",
      "480p 640x480",
      "360p 480x360",
    ]);
  });

  it("keeps the 720p and 480p rungs as the MP4 downloads, or the one rung of a small source", () => {
    expect(downloads(1920, 1080)).toEqual(["720p", "480p"]);
    expect(downloads(640, 360)).toEqual(["360p"]);
    expect(downloads(320, 180)).toEqual(["180p"]);
  });

  it("plans keys, 6 s segments on 2 s keyframes, bitrate caps, and audio only when present", () => {
    const plan = Plan.forVideo("vid_a", probe(1920, 1080), [300]);
    expect(plan.hls).toMatchObject({
      masterKey: "media/vid_a/hls/master.m3u8",
      segmentSeconds: 6,
      keyframeSeconds: 2,
      audio: { name: "audio", bitrate: 128_000 },
    });
    expect(plan.hls.rungs.map((r) => r.maxBitrate)).toEqual([
      8_000_000, 5_000_000, 2_500_000, 1_200_000,
    ]);
    const silent = Plan.forVideo("vid_a", probe(1920, 1080, { audioCodec: undefined }), [300]);
    expect(silent.hls.audio).toBeUndefined();
  });
});

describe("the storyboard", () => {
  it("takes a tile every 2 s for short videos, duration/200 for long ones", () => {
    const short = Plan.storyboard("vid_a", probe(1920, 1080, { durationMs: 30_000 }));
    expect(short).toMatchObject({ intervalMs: 2000, count: 15, columns: 10, rows: 2 });
    expect(short.tile).toEqual({ width: 160, height: 90 });
    expect(short.sheets).toEqual(["media/vid_a/storyboard/0.jpg"]);

    const hour = Plan.storyboard("vid_a", probe(426, 240, { durationMs: 3_600_000 }));
    expect(hour).toMatchObject({ intervalMs: 18_000, count: 200, columns: 10, rows: 10 });
    expect(hour.sheets).toHaveLength(2);

    const tiny = Plan.storyboard("vid_a", probe(1080, 1920, { durationMs: 1500 }));
    expect(tiny).toMatchObject({
      count: 1,
      columns: 1,
      rows: 1,
      tile: { width: 160, height: 284 },
    });
  });

  it("writes cues that tile the sheets left to right, top to bottom, ending with the video", () => {
    const sb = Plan.storyboard("vid_a", probe(1920, 1080, { durationMs: 3_600_000 }));
    const vtt = Storyboard.vtt(sb, 3_600_000);
    const cues = vtt.split("\n\n").slice(1).filter(Boolean);
    expect(vtt.startsWith("WEBVTT\n")).toBe(true);
    expect(cues).toHaveLength(200);
    expect(cues[0]).toBe("00:00:00.000 --> 00:00:18.000\n0.jpg#xywh=0,0,160,90");
    expect(cues[11]).toBe("00:03:18.000 --> 00:03:36.000\n0.jpg#xywh=160,90,160,90");
    expect(cues[99]).toBe("00:29:42.000 --> 00:30:00.000\n0.jpg#xywh=1440,810,160,90");
    expect(cues[100]).toBe("00:30:00.000 --> 00:30:18.000\n1.jpg#xywh=0,0,160,90");
    expect(cues[199]?.trim()).toBe("00:59:42.000 --> 01:00:00.000\n1.jpg#xywh=1440,810,160,90");
    // A last tile that starts before the end stops at the end.
    const odd = Storyboard.vtt(Plan.storyboard("v", probe(160, 90, { durationMs: 5_100 })), 5_100);
    expect(odd.trim().split("\n").slice(-2)).toEqual([
      "00:00:04.000 --> 00:00:05.100",
      "0.jpg#xywh=320,0,160,90",
    ]);
  });
});

describe("the master playlist", () => {
  it("adds the audio's bitrate to each rung and names the codecs that were written", () => {
    const rung = (name: string, width: number, height: number, peak: number, avg: number) => ({
      name,
      codec: "avc1.640028",
      width,
      height,
      peakBitrate: peak,
      averageBitrate: avg,
    });
    const audio = {
      name: "audio",
      codec: "mp4a.40.2",
      channels: 2,
      peakBitrate: 130_000,
      averageBitrate: 129_000,
    };
    const text = Hls.master([rung("1080p", 1920, 1080, 6_000_000, 4_000_000)], audio);
    expect(text).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=6130000,AVERAGE-BANDWIDTH=4129000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2",AUDIO="audio"',
        "1080p/index.m3u8",
        "",
      ].join("\n"),
    );
    expect(Hls.master([rung("180p", 320, 180, 1, 1)])).not.toContain("AUDIO");
  });

  it("parses a media playlist's init and segments", () => {
    const parsed = Hls.parse(
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.000000,\n00000.m4s\n#EXTINF:2.5,\n00001.m4s\n#EXT-X-ENDLIST\n',
    );
    expect(parsed).toEqual({
      init: "init.mp4",
      segments: [
        { uri: "00000.m4s", duration: 6 },
        { uri: "00001.m4s", duration: 2.5 },
      ],
    });
  });
});
