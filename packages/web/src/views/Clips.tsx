import { useCallback, useEffect, useState } from "preact/hooks";
import { api, type Clip, messageOf } from "../api";
import { knownCameras } from "../cameras";
import { LoadMore } from "../components/LoadMore";
import { ErrorText, StatusBadge } from "../components/Status";
import { Thumb } from "../components/Thumb";
import { clipDetails } from "../details";
import { bytes, duration, span } from "../format";
import { usePolling, useValue } from "../hooks";
import { Cameras } from "./Cameras";
import { RequestClip } from "./RequestClip";

const settled = (c: Clip) => c.status !== "pending" && c.status !== "processing";

export function Clips() {
  const [clips, setClips] = useState<Clip[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();

  const load = useCallback(async (after?: string) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.clips({ cursor: after });
      setClips((current) =>
        after
          ? [...current, ...page.data.filter((c) => !current.some((x) => x.id === c.id))]
          : page.data,
      );
      setCursor(page.cursor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const moving = clips.filter((c) => !settled(c)).map((c) => c.id);
  usePolling(
    moving.length > 0,
    async () => {
      const updates = await Promise.all(
        moving.map((id) => clipDetails.get(id, { fresh: true }).catch(() => undefined)),
      );
      const polled = updates.filter((c): c is Clip => c !== undefined);
      const changed = polled.some((c) => clips.find((x) => x.id === c.id)?.status !== c.status);
      setClips((current) => current.map((c) => polled.find((p) => p.id === c.id) ?? c));
      return changed;
    },
    { min: 1000, max: 10_000 },
  );

  return (
    <>
      <Cameras />
      <RequestClip onCreated={(clip) => setClips((current) => [clip, ...current])} />
      <section class="panel" aria-labelledby="clips-heading">
        <h2 id="clips-heading">Clips</h2>
        <ErrorText error={error} />
        {clips.length > 0 ? (
          <ul class="clip-list" aria-busy={loading}>
            {clips.map((c) => (
              <ClipItem key={c.id} clip={c} />
            ))}
          </ul>
        ) : (
          !loading && !error && <p class="empty">No clips yet.</p>
        )}
        <LoadMore loading={loading} cursor={cursor} onMore={load} />
      </section>
    </>
  );
}

const explain: Partial<Record<Clip["status"], string>> = {
  pending: "Waiting until recordings cover the whole window; it retries on its own.",
  processing: "Cutting the clip…",
};

function ClipItem(props: { clip: Clip }) {
  const { clip } = props;
  const [playing, setPlaying] = useState<Clip>();
  const [error, setError] = useState<string>();
  const resolve = useCallback(
    async (fresh: boolean) => (await clipDetails.get(clip.id, { fresh })).thumbnails,
    [clip.id],
  );
  const cameras = useValue(knownCameras);
  const alias = cameras.find((c) => c.id === clip.cameraId)?.alias;
  // A clip of a video names the video and its offsets; a camera clip, the camera and instants.
  const ofVideo = "videoId" in clip.source ? clip.source : undefined;
  const window = ofVideo
    ? `${ofVideo.start} s to ${ofVideo.end} s`
    : span(clip.start ?? "", clip.end ?? "");
  const what = `${ofVideo ? "Video" : (alias ?? clip.cameraId)}, ${window}`;

  const play = async () => {
    setError(undefined);
    try {
      setPlaying(await clipDetails.get(clip.id, { fresh: true }));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <li class="clip" data-clip-id={clip.id} data-status={clip.status}>
      <div class="clip-media">
        {playing?.output?.url ? (
          // biome-ignore lint/a11y/useMediaCaption: camera footage has no captions
          <video
            controls
            autoPlay
            playsInline
            src={playing.output.url}
            aria-label={`Clip of ${what}`}
            preload="metadata"
          />
        ) : clip.status === "available" ? (
          <button type="button" class="play" onClick={play} aria-label={`Play clip of ${what}`}>
            <Thumb
              id={clip.id}
              thumbnails={clip.thumbnails}
              resolve={resolve}
              sizes="(max-width: 640px) 100vw, 240px"
            />
            <span class="play-icon" aria-hidden="true">
              ▶
            </span>
          </button>
        ) : (
          <span class="thumb thumb-empty" aria-hidden="true" />
        )}
      </div>
      <div class="clip-info">
        <p class="clip-title">
          <strong>{ofVideo ? "Video" : (alias ?? "Camera")}</strong>{" "}
          <code>{ofVideo ? ofVideo.videoId : clip.cameraId}</code>
        </p>
        <p>{window}</p>
        <p class="card-meta">
          <StatusBadge status={clip.status} />
          <span class="tag">{clip.accuracy}</span>
          {clip.output && (
            <span>
              {duration(clip.output.durationMs)} · {bytes(clip.output.bytes)}
            </span>
          )}
        </p>
        {explain[clip.status] && <p class="hint">{explain[clip.status]}</p>}
        {clip.error && settled(clip) && <p class="reason">{clip.error.message}</p>}
        {playing?.output?.url && (
          <p>
            <a href={playing.output.url} download>
              Download clip
            </a>
          </p>
        )}
        <ErrorText error={error} />
      </div>
    </li>
  );
}
