import type { CreateJobCommandInput, Output, OutputGroup } from "@aws-sdk/client-mediaconvert";
import { Aws } from "../aws";
import { Config } from "../config";
import { MediaError } from "./error";
import { MediaConvertCompletion } from "./mediaconvert-completion";
import type { Plan } from "./plan";
import type { TranscodeJob, Transcoder } from "./transcoder";

/**
 * The AWS Elemental MediaConvert adapter. It submits a job whose outputs land on the same keys
 * the ffmpeg adapter writes; the job finishes later, through the EventBridge
 * "MediaConvert Job State Change" event that `parseCompletion` reads.
 */
export namespace MediaConvert {
  const audioSelector = "Audio Selector 1";

  export function create(): Transcoder {
    return {
      kind: "mediaconvert",
      async transcode(job) {
        const { CreateJobCommand } = await import("../clients/mediaconvert");
        const client = await mediaconvertClient();
        const result = await client.send(new CreateJobCommand(buildJob(job)));
        const jobId = result.Job?.Id;
        if (!jobId)
          throw new MediaError("mediaconvert_failed", "CreateJob returned no job id", false);
        return { kind: "submitted", jobId };
      },
    };
  }

  export function buildJob(job: TranscodeJob): CreateJobCommandInput {
    const config = Config.get();
    const role = config.RUSHES_MEDIACONVERT_ROLE_ARN;
    if (!role) {
      throw new MediaError(
        "mediaconvert_unconfigured",
        "RUSHES_MEDIACONVERT_ROLE_ARN is unset",
        false,
      );
    }
    const { plan, bucket } = job;
    return {
      Role: role,
      ...(config.RUSHES_MEDIACONVERT_QUEUE_ARN
        ? { Queue: config.RUSHES_MEDIACONVERT_QUEUE_ARN }
        : {}),
      UserMetadata: { videoId: job.videoId },
      // A retried submit within a minute returns the first job instead of starting another.
      ClientRequestToken: job.videoId,
      Settings: {
        TimecodeConfig: { Source: "ZEROBASED" },
        Inputs: [
          {
            FileInput: `s3://${bucket}/${job.sourceKey}`,
            TimecodeSource: "ZEROBASED",
            VideoSelector: { Rotate: "AUTO" },
            ...(plan.audio
              ? { AudioSelectors: { [audioSelector]: { DefaultSelection: "DEFAULT" } } }
              : {}),
          },
        ],
        OutputGroups: [
          ...plan.renditions.map((r) => group(`rendition ${r.name}`, bucket, r.key, mp4(r, plan))),
          ...plan.thumbnails.map((t) =>
            group(`thumbnail ${t.width}`, bucket, t.key, still(t, plan)),
          ),
        ],
      },
    };
  }

  /**
   * One file group per output: MediaConvert names a file `<destination base><NameModifier>.<ext>`,
   * so a group whose destination ends in the key minus its extension (and whose single output
   * needs no modifier) writes exactly `Keys.rendition`. Frame captures still get `.NNNNNNN`.
   */
  function group(name: string, bucket: string, key: string, output: Output): OutputGroup {
    return {
      Name: name,
      OutputGroupSettings: {
        Type: "FILE_GROUP_SETTINGS",
        FileGroupSettings: { Destination: `s3://${bucket}/${key.replace(/\.[a-z0-9]+$/, "")}` },
      },
      Outputs: [output],
    };
  }

  function mp4(r: Plan.Rendition, plan: Plan): Output {
    return {
      Extension: "mp4",
      ContainerSettings: {
        Container: "MP4",
        Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" },
      },
      VideoDescription: {
        Width: r.width,
        Height: r.height,
        ScalingBehavior: "DEFAULT",
        CodecSettings: {
          Codec: "H_264",
          H264Settings: {
            CodecProfile: "HIGH",
            RateControlMode: "QVBR",
            QvbrSettings: { QvbrQualityLevel: 7 },
            MaxBitrate: r.maxBitrate,
            GopSize: 2,
            GopSizeUnits: "SECONDS",
            SceneChangeDetect: "TRANSITION_DETECTION",
            QualityTuningLevel: "SINGLE_PASS_HQ",
          },
        },
      },
      ...(plan.audio
        ? {
            AudioDescriptions: [
              {
                AudioSourceName: audioSelector,
                CodecSettings: {
                  Codec: "AAC",
                  AacSettings: {
                    Bitrate: 128000,
                    CodingMode: "CODING_MODE_2_0",
                    SampleRate: 48000,
                  },
                },
              },
            ],
          }
        : {}),
    };
  }

  /**
   * Frame capture takes the first frame, then one every Denominator/Numerator seconds. Two
   * captures put the last one at `thumbnailAtMs`, past a black first frame; it is the one the
   * COMPLETE event reports.
   */
  function still(t: Plan.Thumbnail, plan: Plan): Output {
    const at = Math.round(plan.thumbnailAtMs / 1000);
    return {
      Extension: "jpg",
      ContainerSettings: { Container: "RAW" },
      VideoDescription: {
        Width: t.width,
        Height: t.height,
        ScalingBehavior: "DEFAULT",
        CodecSettings: {
          Codec: "FRAME_CAPTURE",
          FrameCaptureSettings: {
            FramerateNumerator: 1,
            FramerateDenominator: Math.max(1, at),
            MaxCaptures: at >= 1 ? 2 : 1,
            Quality: 80,
          },
        },
      },
    };
  }

  export type Completion = MediaConvertCompletion.Completion;
  export const Event = MediaConvertCompletion.Event;
  export const parseCompletion = MediaConvertCompletion.parse;
  export const finish = MediaConvertCompletion.finish;
}

/** Built on first use; kept out of the shared Aws namespace so the API bundle never carries it. */
const mediaconvertClient = () =>
  Aws.once("mediaconvert", async () => {
    const { MediaConvertClient } = await import("../clients/mediaconvert");
    const endpoint = Config.get().RUSHES_MEDIACONVERT_ENDPOINT;
    return new MediaConvertClient(endpoint ? { endpoint } : {});
  });
