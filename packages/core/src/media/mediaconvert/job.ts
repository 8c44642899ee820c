import type { CreateJobCommandInput, Output, OutputGroup } from "@aws-sdk/client-mediaconvert";
import { Resource } from "sst";
import { Config } from "../../config";
import { ObjectKeys } from "../../storage/object-keys";
import { MediaError } from "../error";
import { Loudness } from "../loudness";
import type { Plan } from "../plan";
import type { TranscodeJob } from "../transcoder";

/**
 * A MediaConvert job's settings for one video's plan: outputs on the same keys the ffmpeg adapter
 * writes, and UserMetadata naming the video and the stage its completion belongs to.
 */
export namespace MediaConvertJob {
  const audioSelector = "Audio Selector 1";
  const stage = () => Resource.App.stage;

  export function build(job: TranscodeJob): CreateJobCommandInput {
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
      UserMetadata: { videoId: job.videoId, stage: stage() },
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
          ...(plan.hls.audio
            ? [group("audio", bucket, ObjectKeys.audioDownload(job.videoId), m4a(plan))]
            : []),
          ladder(plan, bucket),
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
      ...(plan.audio ? { AudioDescriptions: [aac(plan, 128000)] } : {}),
    };
  }

  /** The `.m4a` download: an audio-only MP4 output, the ladder's audio on its own. */
  function m4a(plan: Plan): Output {
    return {
      Extension: "m4a",
      ContainerSettings: {
        Container: "MP4",
        Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" },
      },
      AudioDescriptions: [aac(plan, plan.hls.audio?.bitrate ?? 128000)],
    };
  }

  /**
   * Every output's AAC, normalised when the plan says so. MediaConvert measures the whole input
   * and corrects it to the target within the job (ITU-R BS.1770-3: EBU R128's gated loudness,
   * with true peak), its limiter holding the ceiling. That is chosen over applying ffmpeg's
   * measured gain: the job has no gain to set but whole decibels (AudioSelector `Gain`), and it
   * needs no extra pass over the source in ingest; a job is never cut into chunks, so there are
   * no joins for one gain to keep seamless.
   */
  function aac(plan: Plan, bitrate: number) {
    const normalize = plan.hls.audio?.normalize;
    return {
      AudioSourceName: audioSelector,
      CodecSettings: {
        Codec: "AAC" as const,
        AacSettings: {
          Bitrate: bitrate,
          CodingMode: "CODING_MODE_2_0" as const,
          SampleRate: 48000,
        },
      },
      ...(normalize
        ? {
            AudioNormalizationSettings: {
              Algorithm: "ITU_BS_1770_3" as const,
              AlgorithmControl: "CORRECT_AUDIO" as const,
              TargetLkfs: normalize.targetLufs,
              PeakCalculation: "TRUE_PEAK" as const,
              TruePeakLimiterThreshold: Loudness.ceilingDbtp,
            },
          }
        : {}),
    };
  }

  /**
   * The HLS ladder as one CMAF group: fMP4 segments and an HLS manifest only (no DASH), 6 s
   * segments, the master at `ObjectKeys.hlsMaster` (destination base `…/hls/master`), each rung
   * a `_{rung}` output beside it and the audio one `_audio` output that every rung refers to.
   * MediaConvert writes CODECS (RFC 6381), RESOLUTION and BANDWIDTH from what it encoded; the
   * completion reads them back from the master.
   */
  export function ladder(plan: Plan, bucket: string): OutputGroup {
    const video = (rung: Plan.Rung): Output => ({
      NameModifier: `_${rung.name}`,
      ContainerSettings: { Container: "CMFC" },
      VideoDescription: {
        Width: rung.width,
        Height: rung.height,
        ScalingBehavior: "DEFAULT",
        CodecSettings: {
          Codec: "H_264",
          H264Settings: {
            CodecProfile: "HIGH",
            RateControlMode: "QVBR",
            QvbrSettings: { QvbrQualityLevel: 7 },
            MaxBitrate: rung.maxBitrate,
            // Fixed 2 s GOPs without scene-change keyframes: every rung's segments line up.
            GopSize: plan.hls.keyframeSeconds,
            GopSizeUnits: "SECONDS",
            GopClosedCadence: 1,
            SceneChangeDetect: "DISABLED",
            QualityTuningLevel: "SINGLE_PASS_HQ",
          },
        },
      },
    });
    const audio: Output[] = plan.hls.audio
      ? [
          {
            NameModifier: `_${plan.hls.audio.name}`,
            ContainerSettings: { Container: "CMFC" },
            AudioDescriptions: [aac(plan, plan.hls.audio.bitrate)],
          },
        ]
      : [];
    return {
      Name: "hls",
      OutputGroupSettings: {
        Type: "CMAF_GROUP_SETTINGS",
        CmafGroupSettings: {
          Destination: `s3://${bucket}/${plan.hls.masterKey.replace(/\.m3u8$/, "")}`,
          SegmentLength: plan.hls.segmentSeconds,
          FragmentLength: plan.hls.keyframeSeconds,
          SegmentControl: "SEGMENTED_FILES",
          WriteHlsManifest: "ENABLED",
          WriteDashManifest: "DISABLED",
          ManifestDurationFormat: "FLOATING_POINT",
          CodecSpecification: "RFC_6381",
          StreamInfResolution: "INCLUDE",
          ClientCache: "ENABLED",
        },
      },
      Outputs: [...plan.hls.rungs.map(video), ...audio],
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
}
