import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../../src/config";
import {
  Cut,
  Ffmpeg,
  FfmpegTranscoder,
  MediaError,
  Plan,
  type Probe,
  Segments,
} from "../../src/media";

const probe = (width: number, height: number, extra: Partial<Probe.Info> = {}): Probe.Info => ({
  durationMs: 2000,
  width,
  height,
  videoCodec: "h264",
  audioCodec: "aac",
  fps: 25,
  formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  ...extra,
});
const widths = [300, 640, 1500, 3000];
const sizes = (plan: Plan) => plan.renditions.map((r) => `${r.name} ${r.width}x${r.height}`);
const thumbs = (plan: Plan) => plan.thumbnails.map((t) => `${t.width}x${t.height}`);

describe("Plan.forVideo", () => {
  it("makes 720p and 480p from 1080p, thumbnails capped at the source width", () => {
    const plan = Plan.forVideo("vid_a", probe(1920, 1080), widths);
    expect(sizes(plan)).toEqual(["720p 1280x720", "480p 854x480"]);
    expect(thumbs(plan)).toEqual(["300x169", "640x360", "1500x844", "1920x1080"]);
    expect(plan.renditions[0]).toMatchObject({
      key: "media/vid_a/720p.mp4",
      maxBitrate: 5_000_000,
    });
    expect(plan.thumbnails[3]?.key).toBe("media/vid_a/thumbnails/1920.jpg");
    expect(plan.audio).toBe(true);
  });

  it("keeps a 720p source at 720p and collapses widths above it into one", () => {
    const plan = Plan.forVideo("vid_a", probe(1280, 720, { audioCodec: undefined }), widths);
    expect(sizes(plan)).toEqual(["720p 1280x720", "480p 854x480"]);
    expect(thumbs(plan)).toEqual(["300x169", "640x360", "1280x720"]);
    expect(plan.audio).toBe(false);
  });

  it("never upscales: a 360p source gets one rendition at its own height", () => {
    const plan = Plan.forVideo("vid_a", probe(640, 360), widths);
    expect(sizes(plan)).toEqual(["360p 640x360"]);
    expect(plan.renditions[0]?.key).toBe("media/vid_a/360p.mp4");
    expect(thumbs(plan)).toEqual(["300x169", "640x360"]);
  });

  it("caps the short side of portrait video and keeps dimensions even", () => {
    expect(sizes(Plan.forVideo("v", probe(1080, 1920), widths))).toEqual([
      "720p 720x1280",
      "480p 480x854",
    ]);
    expect(sizes(Plan.forVideo("v", probe(641, 361), widths))).toEqual(["360p 640x360"]);
    expect(sizes(Plan.forVideo("v", probe(180, 320), widths))).toEqual(["180p 180x320"]);
    expect(thumbs(Plan.forVideo("v", probe(180, 320), widths))).toEqual(["180x320"]);
  });

  it("takes the thumbnail a quarter in, at most 10 s", () => {
    expect(Plan.thumbnailAt(2000)).toBe(500);
    expect(Plan.thumbnailAt(3_600_000)).toBe(10_000);
  });
});

describe("ffmpeg arguments", () => {
  const job = (extra: Partial<Probe.Info> = {}) => {
    const info = probe(1920, 1080, extra);
    return { sourcePath: "/tmp/x/source", probe: info, plan: Plan.forVideo("vid_a", info, widths) };
  };
  const outputs = {
    hls: "/w/hls",
    storyboard: "/w/storyboard",
    thumbnails: ["/w/300.jpg", "/w/640.jpg", "/w/1500.jpg", "/w/1920.jpg"],
  };

  it("is one hardened run: forced demuxer, file-only protocols, one split feeding all outputs", () => {
    const args = FfmpegTranscoder.args(job(), outputs, 3600);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect(at("-protocol_whitelist")).toBe("file");
    expect(at("-format_whitelist")).toBe("mov");
    expect(at("-f")).toBe("mov");
    expect(at("-i")).toBe("file:/tmp/x/source");
    expect(args.filter((a) => a === "-i")).toHaveLength(1);
    expect(args.join(" ")).not.toMatch(/allowed_extensions|concat/);
    // Only our outputs are HLS: the input demuxer is forced to the probed container.
    expect(args.indexOf("hls")).toBeGreaterThan(args.indexOf("-i"));
    const graph = at("-filter_complex")!;
    expect(graph).toMatch(/^\[0:v:0\]split=3\[v0\]\[vt\]\[vs\]/);
    // Each rung is scaled from the one above it (scaleLadder), the largest from the source.
    expect(graph).toContain("[v0]scale=1920:1080,setsar=1,format=yuv420p,split=2[r0][sc1]");
    expect(graph).toContain("[sc1]scale=1280:720,setsar=1,format=yuv420p,split=2[r1][sc2]");
    expect(graph).toContain("[sc2]scale=854:480,setsar=1,format=yuv420p,split=2[r2][sc3]");
    expect(graph).toContain("[sc3]scale=640:360,setsar=1,format=yuv420p[r3]");
    // The thumbnail branch is bounded to a few frames, so it closes instead of running on.
    expect(graph).toContain("[vt]trim=start=0.500,trim=end_frame=7,thumbnail=n=6,split=4");
    expect(graph).toContain(
      "[vs]fps=fps=1000/2000,scale=160:90,setsar=1,format=yuvj420p,tile=1x1[sb]",
    );
    // Four video rungs and one audio rendition, each its own fMP4 HLS output.
    expect(args.filter((a) => a === "fmp4")).toHaveLength(5);
    expect(args.filter((a) => a === "0:a:0")).toHaveLength(1);
    expect(args.filter((a) => a === "-sc_threshold")).toHaveLength(4);
    expect(args.filter((a) => a === "expr:gte(t,n_forced*2)")).toHaveLength(4);
    // The ladder trades a little compression for speed (hls.vsMp4Plan).
    const presets = args.flatMap((a, i) => (a === "-preset" ? [args[i + 1]] : []));
    expect(presets).toEqual(["superfast", "superfast", "superfast", "superfast"]);
    expect(args).toContain("high");
    for (const rung of ["1080p", "720p", "480p", "360p", "audio"]) {
      expect(args).toContain(`/w/hls/${rung}/index.m3u8`);
      expect(args).toContain(`/w/hls/${rung}/%05d.m4s`);
    }
    expect(args).toContain("/w/storyboard/%d.jpg");
    for (const path of outputs.thumbnails) expect(args).toContain(path);
  });

  it("maps no audio when the source has none, and caps very high frame rates", () => {
    const args = FfmpegTranscoder.args(job({ audioCodec: undefined, fps: 240 }), outputs, 3600);
    expect(args).not.toContain("0:a:0");
    expect(args).not.toContain("aac");
    expect(args).not.toContain("/w/hls/audio/index.m3u8");
    // By dropping frames at the outputs: an fps filter would also fill timestamp gaps.
    expect(args[args.indexOf("-filter_complex") + 1]).toMatch(/^\[0:v:0\]split=3/);
    expect(args.join(" ").match(/-r 60 /g)).toHaveLength(4);
  });

  it("refuses to force any demuxer outside the allow-list", () => {
    for (const name of ["hls", "hls,applehttp", "concat", "image2", "tty", "data", "lavfi", ""]) {
      expect(() => Ffmpeg.input("/x", name)).toThrow(MediaError);
    }
    expect(Ffmpeg.demuxer("matroska,webm")).toBe("matroska");
    expect(Ffmpeg.formatWhitelist.split(",")).not.toContain("hls");
  });
});

describe("clip segments", () => {
  const rec = (recordedAt: number, durationMs: number, path = `r${recordedAt}`) => ({
    path,
    recordedAt,
    durationMs,
    width: 320,
    height: 180,
  });

  it("spans consecutive recordings with one inpoint, in the first", () => {
    const parts = Segments.plan([rec(10_000, 5000), rec(5000, 5000)], 7000, 12_000);
    expect(parts.map((p) => [p.recording.path, p.fromMs, p.toMs, p.at])).toEqual([
      ["r5000", 2000, 5000, 7000],
      ["r10000", 0, 2000, 10_000],
    ]);
    expect(Segments.covers(parts, 7000, 12_000)).toBe(true);
  });

  it("counts gaps of up to 1 s as covered, longer ones not", () => {
    expect(Cut.covers([rec(0, 5000), rec(6000, 5000)], 1000, 10_000)).toBe(true);
    expect(Cut.covers([rec(0, 5000), rec(6001, 5000)], 1000, 10_000)).toBe(false);
    expect(Cut.covers([rec(0, 5000)], 1000, 6000)).toBe(true);
    expect(Cut.covers([rec(0, 5000)], 1000, 6001)).toBe(false);
    expect(Cut.covers([], 0, 1)).toBe(false);
  });

  it("lets a later overlapping recording take over from its first frame", () => {
    const parts = Segments.plan([rec(0, 10_000), rec(4000, 10_000), rec(5000, 1000)], 2000, 12_000);
    expect(parts.map((p) => [p.recording.path, p.fromMs, p.toMs])).toEqual([
      ["r0", 2000, 4000],
      ["r4000", 0, 8000],
    ]);
    // One that already runs where the first part starts, and lasts longer, replaces it outright.
    const replaced = Segments.plan([rec(0, 10_000), rec(3000, 20_000)], 5000, 15_000);
    expect(replaced.map((p) => [p.recording.path, p.fromMs, p.toMs])).toEqual([
      ["r3000", 2000, 12_000],
    ]);
  });
});

describe("Ffmpeg.paths", () => {
  afterEach(() => {
    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    Config.reset();
    Ffmpeg.reset();
  });

  it("prefers FFMPEG_PATH/FFPROBE_PATH, else finds a binary on PATH or in the npm packages", () => {
    Object.assign(process.env, {
      FFMPEG_PATH: "/opt/bin/ffmpeg",
      FFPROBE_PATH: "/opt/bin/ffprobe",
    });
    Config.reset();
    Ffmpeg.reset();
    expect(Ffmpeg.paths()).toEqual({ ffmpeg: "/opt/bin/ffmpeg", ffprobe: "/opt/bin/ffprobe" });

    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    Config.reset();
    Ffmpeg.reset();
    const { ffmpeg, ffprobe } = Ffmpeg.paths();
    expect(ffmpeg).toMatch(/ffmpeg$/);
    expect(ffprobe).toMatch(/ffprobe$/);
    expect(Ffmpeg.paths().ffmpeg).toBe(ffmpeg);
  });
});
