import { Storage } from "../storage";
import { Time } from "../time";
import { type Info, type Status, uploadGraceMs, type VideoItem } from "./schema";

/** How a stored video reads in the API: its fields, its cost, and presigned URLs where asked. */
export namespace View {
  /**
   * Reads never write: an upload past its presign's expiry (plus a grace) reads as `expired` at
   * once, and the sweep settles it for real (core/src/sweep.ts).
   */
  /**
   * A URL ingest's record keeps the most it may fetch as `bytes` (ingest's limit, read-only); once
   * the fetch has completed, the video's size is what was fetched.
   */
  function sizeOf(item: VideoItem): number {
    const fetched =
      item.sourceUrl !== undefined &&
      item.fetchedBytes !== undefined &&
      item.status !== "fetching" &&
      item.status !== "cancelled" &&
      !item.error?.code.startsWith("fetch_");
    return fetched ? item.fetchedBytes! : item.bytes;
  }

  export function serialize(item: VideoItem, now = Date.now()): Info {
    const recordedAt = Time.iso(item.recordedAt);
    const endsAt = Time.iso(item.endsAt);
    const expired =
      item.status === "awaiting_upload" && now >= item.uploadExpiresAt + uploadGraceMs();
    return {
      id: item.videoId,
      status: expired ? "expired" : (item.status as Status),
      filename: item.filename,
      contentType: item.contentType,
      bytes: sizeOf(item),
      ...(item.title ? { title: item.title } : {}),
      ...(item.project ? { project: item.project } : {}),
      ...(item.step ? { step: item.step } : {}),
      ...(item.uploader ? { uploader: item.uploader } : {}),
      ...(item.error ? { error: item.error } : {}),
      ...(item.probe
        ? {
            probe: {
              durationMs: item.probe.durationMs,
              width: item.probe.width,
              height: item.probe.height,
              videoCodec: item.probe.videoCodec,
              ...(item.probe.audioCodec ? { audioCodec: item.probe.audioCodec } : {}),
              ...(item.probe.fps ? { fps: item.probe.fps } : {}),
            },
          }
        : {}),
      source: { key: item.sourceKey },
      renditions: item.renditions ?? [],
      thumbnails: item.thumbnails ?? [],
      ...(item.playableAt !== undefined ? { playableAt: Time.isoOrEpoch(item.playableAt) } : {}),
      ...(item.hls ? { hls: item.hls } : {}),
      ...(item.storyboard ? { storyboard: item.storyboard } : {}),
      ...(item.audio ? { audio: audioOf(item.audio) } : {}),
      ...(item.cameraId && recordedAt
        ? { camera: { cameraId: item.cameraId, recordedAt, ...(endsAt ? { endsAt } : {}) } }
        : {}),
      ...(item.sourceUrl
        ? {
            fetch: {
              url: shown(item.sourceUrl),
              bytes: item.fetchedBytes ?? 0,
              ...(item.fetchTotalBytes !== undefined ? { totalBytes: item.fetchTotalBytes } : {}),
            },
          }
        : {}),
      ...(item.uploadId && item.partSize && item.partCount
        ? { multipart: { partSize: item.partSize, partCount: item.partCount } }
        : {}),
      attempts: item.attempts ?? 0,
      ...(item.costSteps?.length ? { cost: costOf(item) } : {}),
      uploadExpiresAt: Time.isoOrEpoch(item.uploadExpiresAt),
      createdAt: Time.isoOrEpoch(item.createdAt),
      updatedAt: Time.isoOrEpoch(item.updatedAt ?? item.createdAt),
    };
  }

  function audioOf(audio: NonNullable<VideoItem["audio"]>): NonNullable<Info["audio"]> {
    const { download, loudness } = audio;
    return {
      ...(download ? { download: { name: "audio", contentType: "audio/mp4", ...download } } : {}),
      ...(loudness ? { loudness } : {}),
    };
  }

  /** A fetched URL as shown: no credentials, no query (a presigned link's signature). */
  function shown(url: string) {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  }

  function costOf(item: VideoItem): NonNullable<Info["cost"]> {
    const steps = new Map<
      string,
      { step: string; runs: number; gbSeconds: number; mediaconvertMinutes: number }
    >();
    for (const s of item.costSteps ?? []) {
      const step = steps.get(s.step) ?? {
        step: s.step,
        runs: 0,
        gbSeconds: 0,
        mediaconvertMinutes: 0,
      };
      step.runs++;
      step.gbSeconds += s.gbSeconds ?? 0;
      step.mediaconvertMinutes += s.mediaconvertMinutes ?? 0;
      steps.set(s.step, step);
    }
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      gbSeconds: round(item.costGbSeconds ?? 0),
      mediaconvertMinutes: round(item.costMediaconvertMinutes ?? 0),
      steps: [...steps.values()].map((s) => ({
        ...s,
        gbSeconds: round(s.gbSeconds),
        mediaconvertMinutes: round(s.mediaconvertMinutes),
      })),
    };
  }

  /** Listings sign only the smallest thumbnail: enough for a grid, cheap per item. */
  export async function withPoster(info: Info): Promise<Info> {
    const [smallest, ...rest] = info.thumbnails;
    if (!smallest) return info;
    return {
      ...info,
      thumbnails: [{ ...smallest, url: await Storage.presignGet(smallest.key) }, ...rest],
    };
  }

  export async function withUrls(info: Info): Promise<Info> {
    const sign = (key: string) => Storage.presignGet(key);
    // A rejected input's bytes are deleted (Outcome.reject): there is nothing to sign.
    const hasSource = !["awaiting_upload", "expired", "cancelled", "rejected"].includes(
      info.status,
    );
    return {
      ...info,
      source: {
        key: info.source.key,
        ...(hasSource
          ? { url: await Storage.presignGet(info.source.key, { filename: info.filename }) }
          : {}),
      },
      renditions: await Promise.all(
        info.renditions.map(async (r) => ({ ...r, url: await sign(r.key) })),
      ),
      thumbnails: await Promise.all(
        info.thumbnails.map(async (t) => ({ ...t, url: await sign(t.key) })),
      ),
      ...(info.audio
        ? {
            audio: {
              ...info.audio,
              ...(info.audio.download
                ? {
                    download: {
                      ...info.audio.download,
                      url: await Storage.presignGet(info.audio.download.key, {
                        filename: `${info.filename.replace(/\.[^.]*$/, "")}.m4a`,
                      }),
                    },
                  }
                : {}),
            },
          }
        : {}),
    };
  }
}
