import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf, type Video, type VideoEvent } from "../api";
import { cameraLabel } from "../cameras";
import { ErrorText, StatusBadge } from "../components/Status";
import { videoDetails } from "../details";
import { bytes, duration, when, whenExact } from "../format";
import { usePolling } from "../hooks";
import { dropUpload } from "../uploads";

import { Captions } from "./Captions";
import { HlsPlayer } from "./HlsPlayer";
import { Player, Thumbnails, Timeline } from "./VideoParts";

const settled = (v: Video) => !["awaiting_upload", "queued", "processing"].includes(v.status);

export function VideoPage(props: { id: string }) {
  const [video, setVideo] = useState<Video>();
  const [events, setEvents] = useState<VideoEvent[]>([]);
  const [error, setError] = useState<string>();
  const [notFound, setNotFound] = useState(false);
  // While a delete is under way the player is gone, so it fetches nothing that is being deleted.
  const [deleting, setDeleting] = useState(false);
  // Bumped when caption tracks change: the player reloads the master, which lists them.
  const [captions, setCaptions] = useState(0);

  const refresh = async () => {
    const [v, e] = await Promise.all([api.video(props.id), api.events(props.id)]);
    videoDetails.put(v.id, v);
    setEvents(e.data);
    const changed = v.status !== video?.status;
    setVideo(v);
    return changed;
  };

  useEffect(() => {
    setVideo(undefined);
    setEvents([]);
    setError(undefined);
    setNotFound(false);
    refresh().catch((e) => {
      setError(messageOf(e));
      setNotFound((e as { status?: number }).status === 404);
    });
  }, [props.id]);

  usePolling(!!video && !settled(video), refresh);

  useEffect(() => {
    if (video) document.title = `${video.title ?? video.filename} · rushes`;
  }, [video?.title, video?.filename]);

  if (!video) {
    return (
      <section class="panel">
        <p>
          <a href="#/">← Library</a>
        </p>
        {error ? <ErrorText error={error} /> : <p aria-live="polite">Loading…</p>}
        {notFound && <p>It may have been deleted.</p>}
      </section>
    );
  }
  return (
    <article class="panel video-page" aria-labelledby="video-title">
      <p>
        <a href="#/">← Library</a>
      </p>
      <header class="video-head">
        <h2 id="video-title">{video.title ?? video.filename}</h2>
        <StatusBadge status={video.status} />
      </header>
      {video.error && (
        <p class="reason" role="status">
          {video.error.message} <span class="code">({video.error.code})</span>
        </p>
      )}
      {deleting ? (
        <div class="player-placeholder" aria-live="polite">
          Deleting…
        </div>
      ) : video.status !== "ready" ? (
        <Placeholder video={video} />
      ) : video.playback ? (
        <HlsPlayer key={captions} video={video} playback={video.playback} />
      ) : (
        // Videos made before the HLS ladder play their MP4s.
        <Player video={video} />
      )}
      <Facts video={video} />
      {video.status === "ready" && video.playback && !deleting && (
        <Captions video={video} onChange={() => setCaptions((n) => n + 1)} />
      )}
      {video.thumbnails.some((t) => t.url) && <Thumbnails video={video} />}
      <Timeline events={events} />
      <Delete video={video} onDeleting={setDeleting} />
    </article>
  );
}
function Placeholder(props: { video: Video }) {
  const text: Record<Video["status"], string> = {
    awaiting_upload: "Waiting for the upload to arrive.",
    queued:
      "Queued: this owner's processing slots are all busy; it starts when one frees (oldest first).",
    processing: "Processing: the renditions and thumbnails appear here when ready.",
    ready: "",
    failed: "Processing failed, so there is nothing to play.",
    rejected: "The file was rejected, so there is nothing to play.",
    expired: "The upload never arrived before its link expired.",
    cancelled: "The upload was cancelled before it finished; its parts were discarded.",
  };
  return (
    <div class="player-placeholder" aria-live="polite">
      {text[props.video.status]}
    </div>
  );
}

function Facts(props: { video: Video }) {
  const { video } = props;
  const p = video.probe;
  return (
    <dl class="facts">
      <dt>File</dt>
      <dd>
        {video.filename} <span class="optional">{bytes(video.bytes)}</span>
      </dd>
      {p && (
        <>
          <dt>Duration</dt>
          <dd>{duration(p.durationMs)}</dd>
          <dt>Source</dt>
          <dd>
            {p.width}×{p.height} {p.videoCodec}
            {p.audioCodec ? ` / ${p.audioCodec}` : ""}
            {p.fps ? `, ${Math.round(p.fps * 100) / 100} fps` : ""}
          </dd>
        </>
      )}
      {video.project && (
        <>
          <dt>Project</dt>
          <dd>
            <a href={`#/?project=${encodeURIComponent(video.project)}`}>{video.project}</a>
            {video.step ? ` / ${video.step}` : ""}
          </dd>
        </>
      )}
      {video.camera && (
        <>
          <dt>Recording</dt>
          <dd>
            {cameraLabel(video.camera.cameraId)},{" "}
            <time dateTime={video.camera.recordedAt}>{whenExact(video.camera.recordedAt)}</time>
            {video.camera.endsAt && (
              <>
                {" – "}
                <time dateTime={video.camera.endsAt}>{whenExact(video.camera.endsAt)}</time>
              </>
            )}
          </dd>
        </>
      )}
      <dt>Created</dt>
      <dd>
        <time dateTime={video.createdAt}>{when(video.createdAt)}</time>
      </dd>
      {video.source.url && (
        <>
          <dt>Original</dt>
          <dd>
            <a href={video.source.url} download={video.filename}>
              Download the source
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}
function Delete(props: { video: Video; onDeleting: (deleting: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    props.onDeleting(true);
    try {
      // One turn for the player to unmount (hls.js aborts its loads) before anything is deleted.
      await new Promise((r) => setTimeout(r, 0));
      await api.deleteVideo(props.video.id);
      videoDetails.drop(props.video.id);
      dropUpload(props.video.id);
      dialog.current?.close();
      location.hash = "#/";
    } catch (e) {
      setError(messageOf(e));
      props.onDeleting(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="danger" aria-label="Delete">
      <button type="button" class="danger-button" onClick={() => dialog.current?.showModal()}>
        Delete video…
      </button>
      <dialog ref={dialog} aria-labelledby="delete-title" aria-describedby="delete-text">
        <h3 id="delete-title">Delete this video?</h3>
        <p id="delete-text">
          “{props.video.title ?? props.video.filename}”, its renditions, thumbnails and history are
          deleted for good.
        </p>
        <ErrorText error={error} />
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger-button" disabled={busy} onClick={remove}>
            {busy ? "Deleting…" : "Delete"}
          </button>
        </div>
      </dialog>
    </section>
  );
}
