import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Aws } from "../../src/aws";
import { Config } from "../../src/config";
import { MediaConvert, MediaError, Plan, type Probe, type TranscodeJob } from "../../src/media";
import { ObjectKeys } from "../../src/storage/object-keys";
import { startS3 } from "./s3";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));
const role = "arn:aws:iam::111122223333:role/rushes-prod-MediaConvertRole";
const queue = "arn:aws:mediaconvert:us-east-1:111122223333:queues/rushes";
const videoId = "vid_01jnfxk2v8q3m4r5s6t7v8w9x0";

function job(extra: Partial<Probe.Info> = {}, normalize?: Plan.Normalize): TranscodeJob {
  const probe: Probe.Info = {
    durationMs: 30_030,
    width: 1920,
    height: 1080,
    videoCodec: "h264",
    audioCodec: "aac",
    fps: 29.97,
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    ...extra,
  };
  return {
    videoId,
    bucket: "rushes-prod-media",
    sourceKey: ObjectKeys.source(videoId),
    sourcePath: "/tmp/unused",
    workDir: "/tmp/unused",
    probe,
    plan: Plan.forVideo(videoId, probe, [300, 640, 1500, 3000], normalize),
  };
}

function configure(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  Config.reset();
}

afterEach(() =>
  configure({
    RUSHES_MEDIACONVERT_ROLE_ARN: undefined,
    RUSHES_MEDIACONVERT_QUEUE_ARN: undefined,
    RUSHES_MEDIACONVERT_ENDPOINT: undefined,
  }),
);

describe("MediaConvert.buildJob", () => {
  it("asks for the same outputs, on the same keys, as the ffmpeg adapter", () => {
    configure({ RUSHES_MEDIACONVERT_ROLE_ARN: role, RUSHES_MEDIACONVERT_QUEUE_ARN: queue });
    const input = MediaConvert.buildJob(job());
    expect(input.Role).toBe(role);
    expect(input.Queue).toBe(queue);
    expect(input.UserMetadata).toEqual({ videoId, stage: "local" });
    expect(input.ClientRequestToken).toBe(videoId);

    const [source] = input.Settings!.Inputs!;
    expect(source!.FileInput).toBe(`s3://rushes-prod-media/uploads/${videoId}/source`);
    expect(source!.VideoSelector).toEqual({ Rotate: "AUTO" });
    expect(source!.AudioSelectors).toEqual({ "Audio Selector 1": { DefaultSelection: "DEFAULT" } });

    const all = input.Settings!.OutputGroups!;
    expect(all).toHaveLength(2 + 4 + 1 + 1);
    expect(all.at(-1)!.OutputGroupSettings!.Type).toBe("CMAF_GROUP_SETTINGS");
    const groups = all.slice(0, -1);
    for (const group of groups) {
      expect(group.OutputGroupSettings!.Type).toBe("FILE_GROUP_SETTINGS");
      expect(group.Outputs).toHaveLength(1);
      expect(group.Outputs![0]!.NameModifier).toBeUndefined();
    }
    const destination = (i: number) =>
      groups[i]!.OutputGroupSettings!.FileGroupSettings!.Destination;

    // Renditions: destination base + ".mp4" is exactly ObjectKeys.rendition.
    for (const [i, name, width, height] of [
      [0, "720p", 1280, 720],
      [1, "480p", 854, 480],
    ] as const) {
      expect(`${destination(i)}.mp4`).toBe(
        `s3://rushes-prod-media/${ObjectKeys.rendition(videoId, name)}`,
      );
      const output = groups[i]!.Outputs![0]!;
      expect(output.Extension).toBe("mp4");
      expect(output.ContainerSettings).toEqual({
        Container: "MP4",
        Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" },
      });
      expect(output.VideoDescription).toMatchObject({ Width: width, Height: height });
      expect(output.VideoDescription!.CodecSettings).toMatchObject({
        Codec: "H_264",
        H264Settings: {
          CodecProfile: "HIGH",
          RateControlMode: "QVBR",
          GopSize: 2,
          GopSizeUnits: "SECONDS",
          MaxBitrate: i === 0 ? 5_000_000 : 2_500_000,
        },
      });
      expect(output.AudioDescriptions).toEqual([
        {
          AudioSourceName: "Audio Selector 1",
          CodecSettings: {
            Codec: "AAC",
            AacSettings: { Bitrate: 128000, CodingMode: "CODING_MODE_2_0", SampleRate: 48000 },
          },
        },
      ]);
    }

    // Thumbnails: frame captures at each capped width; the second lands at 8 s (25% of 30 s, rounded).
    expect(groups.slice(2, 6).map((_, i) => destination(i + 2))).toEqual(
      [300, 640, 1500, 1920].map((w) => `s3://rushes-prod-media/media/${videoId}/thumbnails/${w}`),
    );
    const still = groups[5]!.Outputs![0]!;
    expect(still.Extension).toBe("jpg");
    expect(still.ContainerSettings).toEqual({ Container: "RAW" });
    expect(still.VideoDescription).toMatchObject({ Width: 1920, Height: 1080 });
    expect(still.VideoDescription!.CodecSettings).toEqual({
      Codec: "FRAME_CAPTURE",
      FrameCaptureSettings: {
        FramerateNumerator: 1,
        FramerateDenominator: 8,
        MaxCaptures: 2,
        Quality: 80,
      },
    });

    // The .m4a download: the ladder's audio alone, in an MP4 file, on ObjectKeys.audioDownload.
    expect(`${destination(6)}.m4a`).toBe(
      `s3://rushes-prod-media/${ObjectKeys.audioDownload(videoId)}`,
    );
    expect(groups[6]).toEqual({
      Name: "audio",
      OutputGroupSettings: {
        Type: "FILE_GROUP_SETTINGS",
        FileGroupSettings: { Destination: `s3://rushes-prod-media/media/${videoId}/audio` },
      },
      Outputs: [
        {
          Extension: "m4a",
          ContainerSettings: {
            Container: "MP4",
            Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" },
          },
          AudioDescriptions: [
            {
              AudioSourceName: "Audio Selector 1",
              CodecSettings: {
                Codec: "AAC",
                AacSettings: { Bitrate: 128000, CodingMode: "CODING_MODE_2_0", SampleRate: 48000 },
              },
            },
          ],
        },
      ],
    });
  });

  it("normalises every audio output to the target, true peak limited at -1 dBTP, when asked", () => {
    configure({ RUSHES_MEDIACONVERT_ROLE_ARN: role });
    const input = MediaConvert.buildJob(job({}, { targetLufs: -16, gainDb: 7.5 }));
    const audio = input
      .Settings!.OutputGroups!.flatMap((g) => g.Outputs!)
      .flatMap((o) => o.AudioDescriptions ?? []);
    // The two MP4s, the .m4a and the ladder's audio rendition.
    expect(audio).toHaveLength(4);
    for (const description of audio) {
      expect(description.AudioNormalizationSettings).toEqual({
        Algorithm: "ITU_BS_1770_3",
        AlgorithmControl: "CORRECT_AUDIO",
        TargetLkfs: -16,
        PeakCalculation: "TRUE_PEAK",
        TruePeakLimiterThreshold: -1,
      });
    }
    const plain = MediaConvert.buildJob(job())
      .Settings!.OutputGroups!.flatMap((g) => g.Outputs!)
      .flatMap((o) => o.AudioDescriptions ?? []);
    expect(plain).toHaveLength(4);
    for (const description of plain) expect(description.AudioNormalizationSettings).toBeUndefined();
  });

  it("asks for no audio when the source has none, and no queue unless set", () => {
    configure({ RUSHES_MEDIACONVERT_ROLE_ARN: role });
    const input = MediaConvert.buildJob(job({ audioCodec: undefined, width: 640, height: 360 }));
    expect(input.Queue).toBeUndefined();
    expect(input.Settings!.Inputs![0]!.AudioSelectors).toBeUndefined();
    const outputs = input.Settings!.OutputGroups!.slice(0, -1).map((g) => g.Outputs![0]!);
    // No .m4a group either: a video without audio has no audio download.
    expect(outputs.map((o) => o.VideoDescription!.Width)).toEqual([640, 300, 640]);
    const ladder = input.Settings!.OutputGroups!.at(-1)!.Outputs!;
    expect(ladder.map((o) => o.NameModifier)).toEqual(["_360p"]);
    expect(ladder[0]!.AudioDescriptions).toBeUndefined();
    for (const output of outputs) expect(output.AudioDescriptions).toBeUndefined();
  });

  it("writes the HLS ladder as one CMAF group: fMP4, 6 s segments, aligned 2 s GOPs, shared audio", () => {
    configure({ RUSHES_MEDIACONVERT_ROLE_ARN: role });
    const ladder = MediaConvert.buildJob(job()).Settings!.OutputGroups!.at(-1)!;
    expect(ladder.Name).toBe("hls");
    expect(ladder.OutputGroupSettings).toEqual({
      Type: "CMAF_GROUP_SETTINGS",
      CmafGroupSettings: {
        // MediaConvert appends ".m3u8": the master lands on ObjectKeys.hlsMaster.
        Destination: `s3://rushes-prod-media/media/${videoId}/hls/master`,
        SegmentLength: 6,
        FragmentLength: 2,
        SegmentControl: "SEGMENTED_FILES",
        WriteHlsManifest: "ENABLED",
        WriteDashManifest: "DISABLED",
        ManifestDurationFormat: "FLOATING_POINT",
        CodecSpecification: "RFC_6381",
        StreamInfResolution: "INCLUDE",
        ClientCache: "ENABLED",
      },
    });
    const outputs = ladder.Outputs!;
    expect(outputs.map((o) => o.NameModifier)).toEqual([
      "_1080p",
      "_720p",
      "_480p",
      "_360p",
      "_audio",
    ]);
    for (const output of outputs) expect(output.ContainerSettings).toEqual({ Container: "CMFC" });
    const sizes = outputs
      .slice(0, 4)
      .map((o) => [o.VideoDescription!.Width, o.VideoDescription!.Height]);
    expect(sizes).toEqual([
      [1920, 1080],
      [1280, 720],
      [854, 480],
      [640, 360],
    ]);
    for (const [i, output] of outputs.slice(0, 4).entries()) {
      expect(output.AudioDescriptions).toBeUndefined();
      expect(output.VideoDescription!.CodecSettings).toEqual({
        Codec: "H_264",
        H264Settings: {
          CodecProfile: "HIGH",
          RateControlMode: "QVBR",
          QvbrSettings: { QvbrQualityLevel: 7 },
          MaxBitrate: [8_000_000, 5_000_000, 2_500_000, 1_200_000][i],
          GopSize: 2,
          GopSizeUnits: "SECONDS",
          GopClosedCadence: 1,
          SceneChangeDetect: "DISABLED",
          QualityTuningLevel: "SINGLE_PASS_HQ",
        },
      });
    }
    expect(outputs[4]!.VideoDescription).toBeUndefined();
    expect(outputs[4]!.AudioDescriptions![0]!.CodecSettings).toEqual({
      Codec: "AAC",
      AacSettings: { Bitrate: 128000, CodingMode: "CODING_MODE_2_0", SampleRate: 48000 },
    });
  });

  it("refuses to build a job without a role", () => {
    expect(() => MediaConvert.buildJob(job())).toThrow(MediaError);
  });
});

describe("MediaConvert.create().transcode", () => {
  it("submits the job to the configured endpoint and reports it as submitted", async () => {
    const requests: { method?: string; url?: string; body: string }[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      requests.push({ method: req.method, url: req.url, body });
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ job: { id: "1741083601234-abc123", status: "SUBMITTED", role } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      configure({
        RUSHES_MEDIACONVERT_ROLE_ARN: role,
        RUSHES_MEDIACONVERT_ENDPOINT: `http://127.0.0.1:${port}`,
      });
      Aws.reset();
      const outcome = await MediaConvert.create().transcode(job());
      expect(outcome).toEqual({
        kind: "submitted",
        jobId: "1741083601234-abc123",
        report: { transcoder: "mediaconvert", jobId: "1741083601234-abc123" },
      });
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ method: "POST", url: "/2017-08-29/jobs" });
      const sent = JSON.parse(requests[0]!.body);
      expect(sent.role).toBe(role);
      // The stage lets the completion rule (and handler) tell this stage's jobs from others'.
      expect(sent.userMetadata).toEqual({ videoId, stage: "local" });
      expect(sent.settings.outputGroups[0].outputGroupSettings.fileGroupSettings.destination).toBe(
        `s3://rushes-prod-media/media/${videoId}/720p`,
      );
    } finally {
      Aws.reset();
      server.close();
    }
  });
});

describe("MediaConvert.parseCompletion", () => {
  it("maps a COMPLETE event's output paths to renditions and thumbnails", () => {
    const result = MediaConvert.parseCompletion(fixture("mediaconvert-complete"));
    expect(result).toEqual({
      videoId,
      jobId: "1741083601234-abc123",
      status: "COMPLETE",
      renditions: [
        { name: "720p", width: 1280, height: 720, bytes: 0, key: `media/${videoId}/720p.mp4` },
        { name: "480p", width: 854, height: 480, bytes: 0, key: `media/${videoId}/480p.mp4` },
      ],
      thumbnails: [
        { width: 300, height: 169, key: `media/${videoId}/thumbnails/300.0000001.jpg` },
        { width: 640, height: 360, key: `media/${videoId}/thumbnails/640.0000001.jpg` },
        { width: 1920, height: 1080, key: `media/${videoId}/thumbnails/1920.0000001.jpg` },
      ],
    });
  });

  it("reads an ERROR event's code and message", () => {
    const result = MediaConvert.parseCompletion(fixture("mediaconvert-error"));
    expect(result).toMatchObject({ videoId, jobId: "1741083755321-def456", status: "ERROR" });
    expect(result.error?.code).toBe("mediaconvert_1010");
    expect(result.error?.message).toMatch(/^Unable to open input file/);
    expect(result.renditions).toBeUndefined();
  });

  it("treats a canceled job as an error and refuses other states or foreign events", () => {
    const canceled = fixture("mediaconvert-error");
    canceled.detail = {
      ...canceled.detail,
      status: "CANCELED",
      errorCode: undefined,
      errorMessage: undefined,
    };
    expect(MediaConvert.parseCompletion(canceled).error?.code).toBe("mediaconvert_canceled");

    const progressing = fixture("mediaconvert-complete");
    progressing.detail.status = "PROGRESSING";
    expect(() => MediaConvert.parseCompletion(progressing)).toThrow(MediaError);

    const anonymous = fixture("mediaconvert-complete");
    anonymous.detail.userMetadata = {};
    expect(() => MediaConvert.parseCompletion(anonymous)).toThrow(/videoId/);
    expect(() => MediaConvert.parseCompletion({ source: "aws.s3" })).toThrow();
  });

  it("reads the .m4a download from its own output group", () => {
    const event = fixture("mediaconvert-complete");
    event.detail.outputGroupDetails.push({
      type: "FILE_GROUP",
      outputDetails: [
        {
          outputFilePaths: [`s3://rushes-prod-media/${ObjectKeys.audioDownload(videoId)}`],
          durationInMs: 30030,
        },
      ],
    });
    const result = MediaConvert.parseCompletion(event);
    expect(result.audio).toEqual({ key: ObjectKeys.audioDownload(videoId), bytes: 0 });
    expect(result.renditions!.map((r) => r.name)).toEqual(["720p", "480p"]);
    expect(MediaConvert.parseCompletion(fixture("mediaconvert-complete")).audio).toBeUndefined();
  });

  it("ignores outputs outside the video's own prefix", () => {
    const event = fixture("mediaconvert-complete");
    event.detail.outputGroupDetails[0].outputDetails[0].outputFilePaths = [
      "s3://rushes-prod-media/media/vid_someoneelse/720p.mp4",
    ];
    expect(MediaConvert.parseCompletion(event).renditions!.map((r) => r.name)).toEqual(["480p"]);
  });
});

/** The complete fixture plus the CMAF group's outputs, as MediaConvert reports them. */
const withLadder = () => {
  const event = fixture("mediaconvert-complete");
  const base = `s3://rushes-prod-media/media/${videoId}/hls/master`;
  event.detail.outputGroupDetails.push({
    outputDetails: [
      {
        outputFilePaths: [`${base}_1080p.m3u8`],
        videoDetails: { widthInPx: 1920, heightInPx: 1080 },
      },
      {
        outputFilePaths: [`${base}_720p.m3u8`],
        videoDetails: { widthInPx: 1280, heightInPx: 720 },
      },
      { outputFilePaths: [`${base}_audio.m3u8`] },
    ],
    playlistFilePaths: [`${base}.m3u8`],
    type: "CMAF_GROUP",
  });
  return event;
};

describe("MediaConvert.finish", () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  beforeAll(async () => {
    s3 = await startS3("rushes-prod-media");
  });
  afterAll(() => s3?.stop());

  it("fills each rendition's size from S3", async () => {
    const client = await Aws.s3();
    for (const [name, bytes] of [
      ["720p", 2048],
      ["480p", 1024],
    ] as const) {
      await client.send(
        new PutObjectCommand({
          Bucket: "rushes-prod-media",
          Key: ObjectKeys.rendition(videoId, name),
          Body: Buffer.alloc(bytes),
        }),
      );
    }
    const result = await MediaConvert.finish(fixture("mediaconvert-complete"), "rushes-prod-media");
    expect(result!.renditions!.map((r) => [r.name, r.bytes])).toEqual([
      ["720p", 2048],
      ["480p", 1024],
    ]);
    expect(result!.hls).toBeUndefined();
  });

  it("fills the .m4a download's size from S3", async () => {
    const client = await Aws.s3();
    for (const [key, bytes] of [
      [ObjectKeys.rendition(videoId, "720p"), 2048],
      [ObjectKeys.rendition(videoId, "480p"), 1024],
      [ObjectKeys.audioDownload(videoId), 512],
    ] as const) {
      await client.send(
        new PutObjectCommand({ Bucket: "rushes-prod-media", Key: key, Body: Buffer.alloc(bytes) }),
      );
    }
    const event = fixture("mediaconvert-complete");
    event.detail.outputGroupDetails.push({
      type: "FILE_GROUP",
      outputDetails: [
        { outputFilePaths: [`s3://rushes-prod-media/${ObjectKeys.audioDownload(videoId)}`] },
      ],
    });
    const result = await MediaConvert.finish(event, "rushes-prod-media");
    expect(result!.audio).toEqual({ key: ObjectKeys.audioDownload(videoId), bytes: 512 });
  });

  it("records the ladder's rungs from the master playlist MediaConvert wrote", async () => {
    const master = [
      "#EXTM3U",
      "#EXT-X-VERSION:6",
      "#EXT-X-INDEPENDENT-SEGMENTS",
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio_aac",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="master_audio.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=1466000,AVERAGE-BANDWIDTH=1207000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO="audio_aac"',
      "master_720p.m3u8",
      '#EXT-X-STREAM-INF:BANDWIDTH=3987000,AVERAGE-BANDWIDTH=3100000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=29.970,AUDIO="audio_aac"',
      "master_1080p.m3u8",
    ].join("\n");
    await (await Aws.s3()).send(
      new PutObjectCommand({
        Bucket: "rushes-prod-media",
        Key: ObjectKeys.hlsMaster(videoId),
        Body: master,
      }),
    );
    expect(MediaConvert.parseCompletion(withLadder()).hls).toEqual({
      masterKey: `media/${videoId}/hls/master.m3u8`,
      rungs: [],
    });
    const result = await MediaConvert.finish(withLadder(), "rushes-prod-media");
    expect(result!.hls).toEqual({
      masterKey: `media/${videoId}/hls/master.m3u8`,
      rungs: [
        {
          name: "1080p",
          width: 1920,
          height: 1080,
          bandwidth: 3987000,
          codecs: "avc1.640028,mp4a.40.2",
        },
        {
          name: "720p",
          width: 1280,
          height: 720,
          bandwidth: 1466000,
          codecs: "avc1.64001f,mp4a.40.2",
        },
      ],
    });
  });

  it("ignores, without throwing, another stage's job and events that are not job changes", async () => {
    const foreign = fixture("mediaconvert-complete");
    foreign.detail.userMetadata.stage = "prod";
    expect(await MediaConvert.finish(foreign, "rushes-prod-media")).toBeUndefined();
    const anonymous = fixture("mediaconvert-complete");
    anonymous.detail.userMetadata = {};
    expect(await MediaConvert.finish(anonymous, "rushes-prod-media")).toBeUndefined();
    expect(
      await MediaConvert.finish({ source: "aws.s3" } as never, "rushes-prod-media"),
    ).toBeUndefined();
  });
});
