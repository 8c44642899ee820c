import { useCallback } from "preact/hooks";
import type { Video, VideoStatus } from "../api";
import { StatusBadge } from "../components/Status";
import { Thumb } from "../components/Thumb";
import { videoDetails } from "../details";
import { encodedLabel, useEncoded } from "../encoded";
import { bytes, duration, when } from "../format";
import type { ActiveUpload } from "../uploads";

const settled = (s: VideoStatus) =>
  !["awaiting_upload", "fetching", "queued", "processing"].includes(s);

function uploadLabel(upload: ActiveUpload) {
  if (upload.state === "error") return "Upload failed";
  if (upload.state === "uploaded") return "Uploaded";
  return `Uploading ${upload.progress}%`;
}

export function VideoCard(props: {
  video: Video;
  upload: ActiveUpload | undefined;
  eager: boolean;
}) {
  const { video } = props;
  const name = video.title ?? video.filename;
  // The server says awaiting_upload until the bytes land; this tab knows better.
  const upload = video.status === "awaiting_upload" ? props.upload : undefined;
  // Its presigned POST has run out: the server marks it `expired` a little later, on its own.
  const abandoned =
    video.status === "awaiting_upload" && !upload && Date.parse(video.uploadExpiresAt) < Date.now();
  // A recording is dated by when it was filmed, not when it was uploaded.
  const dated = video.camera
    ? { at: video.camera.recordedAt, label: "Recorded" }
    : { at: video.createdAt, label: "Uploaded" };
  const encoded = useEncoded(video);
  const resolve = useCallback(
    async (freshUrls: boolean) =>
      (await videoDetails.get(video.id, { fresh: freshUrls })).thumbnails,
    [video.id],
  );
  return (
    <li class="card" data-video-id={video.id} data-status={video.status}>
      <a class="card-link" href={`#/videos/${video.id}`}>
        <span class="thumb-box">
          <Thumb
            id={video.id}
            thumbnails={video.status === "ready" ? video.thumbnails : []}
            resolve={resolve}
            sizes="(max-width: 640px) 100vw, 300px"
            eager={props.eager}
          />
          {video.probe && <span class="duration">{duration(video.probe.durationMs)}</span>}
        </span>
        <span class="card-title">{name}</span>
      </a>
      <div class="card-meta">
        {upload ? (
          <StatusBadge
            status={upload.state === "error" ? "failed" : "processing"}
            label={uploadLabel(upload)}
          />
        ) : video.status === "fetching" && video.fetch ? (
          <StatusBadge status="fetching" label={`Fetching ${bytes(video.fetch.bytes)}`} />
        ) : (
          <StatusBadge
            status={abandoned ? "expired" : video.status}
            {...(abandoned ? { label: "Upload expired" } : {})}
          />
        )}
        {video.project && <span class="tag">{video.project}</span>}
        <time dateTime={dated.at} title={`${dated.label} ${when(dated.at)}`}>
          <span class="visually-hidden">{dated.label} </span>
          {when(dated.at)}
        </time>
      </div>
      {encoded !== undefined && (
        <p class="note" data-encoded={encoded}>
          {encodedLabel(encoded, video)}
        </p>
      )}
      {video.status === "fetching" && video.fetch?.totalBytes ? (
        <progress
          max={video.fetch.totalBytes}
          value={video.fetch.bytes}
          aria-label={`Fetching ${name}`}
          data-fetch-progress=""
        />
      ) : null}
      {upload?.state === "uploading" && (
        <progress
          max={100}
          value={upload.progress}
          aria-label={`Uploading ${name}`}
          data-upload-progress=""
        >
          {upload.progress}%
        </progress>
      )}
      {upload?.state === "uploading" && upload.note && <p class="note">{upload.note}</p>}
      {upload?.error && <p class="reason">{upload.error}</p>}
      {video.error && settled(video.status) && (
        <p class="reason">
          <span class="visually-hidden">Reason: </span>
          {video.error.message}
        </p>
      )}
    </li>
  );
}
