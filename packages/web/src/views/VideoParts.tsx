import { useRef, useState } from "preact/hooks";
import type { Video, VideoEvent } from "../api";
import { bytes, duration, whenExact } from "../format";

/** The rendition to play first: 720p when there is one, else the largest. */
function preferred(renditions: Video["renditions"]) {
  return (
    renditions.find((r) => r.name === "720p") ??
    [...renditions].sort((a, b) => b.height - a.height)[0]
  )?.name;
}

export function Player(props: { video: Video }) {
  const { video } = props;
  const playable = video.renditions.filter((r) => r.url).sort((a, b) => b.height - a.height);
  const [choice, setChoice] = useState(preferred(playable));
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef(0);
  const current = playable.find((r) => r.name === choice) ?? playable[0];
  const poster =
    [...video.thumbnails].sort((a, b) => a.width - b.width).find((t) => t.width >= 640 && t.url) ??
    video.thumbnails.at(-1);

  if (!current) return <p class="empty">No playable rendition.</p>;
  return (
    <div class="player">
      {/* biome-ignore lint/a11y/useMediaCaption: uploads carry no caption tracks */}
      <video
        ref={ref}
        key={current.name}
        controls
        playsInline
        preload="metadata"
        poster={poster?.url}
        src={current.url}
        width={current.width}
        height={current.height}
        aria-label={`${video.title ?? video.filename}, ${current.name}`}
        onLoadedMetadata={(e) => {
          // Switching quality keeps the position.
          if (resumeAt.current) e.currentTarget.currentTime = resumeAt.current;
        }}
      />
      {playable.length > 1 && (
        <fieldset class="quality">
          <legend>Quality</legend>
          {playable.map((r) => (
            <label key={r.name} class="choice">
              <input
                type="radio"
                name="quality"
                value={r.name}
                checked={r.name === current.name}
                onChange={() => {
                  resumeAt.current = ref.current?.currentTime ?? 0;
                  setChoice(r.name);
                }}
              />
              {r.name} <span class="optional">{bytes(r.bytes)}</span>
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

/** The audio rendition as an `.m4a`, and its loudness when it was normalised. */
export function AudioDownload(props: { video: Video }) {
  const { video } = props;
  const download = video.audio?.download;
  const loudness = video.audio?.loudness;
  if (!download?.url) return null;
  const lufs = (n: number | undefined) => (n === undefined ? "silent" : `${n.toFixed(1)} LUFS`);
  return (
    <section aria-labelledby="audio-heading">
      <h3 id="audio-heading">Audio</h3>
      <p class="downloads">
        <a href={download.url} download={`${video.title ?? video.id}-audio.m4a`}>
          Download audio (.m4a) <span class="optional">{bytes(download.bytes)}</span>
        </a>
      </p>
      {loudness && (
        <p class="optional">
          Loudness normalised to {loudness.targetLufs} LUFS: {lufs(loudness.input.integratedLufs)}{" "}
          in
          {loudness.output ? `, ${lufs(loudness.output.integratedLufs)} out` : ""}
          {loudness.gainDb === undefined ? "" : ` (gain ${loudness.gainDb.toFixed(1)} dB)`}
        </p>
      )}
    </section>
  );
}

/** The thumbnails are one frame at several widths: show it once, link every size. */
export function Thumbnails(props: { video: Video }) {
  const thumbs = props.video.thumbnails.filter((t) => t.url).sort((a, b) => a.width - b.width);
  const shown = [...thumbs].reverse().find((t) => t.width <= 640) ?? thumbs[0];
  if (!shown) return null;
  return (
    <section aria-labelledby="thumbs-heading">
      <h3 id="thumbs-heading">Thumbnails</h3>
      <figure class="thumbs">
        <img
          src={shown.url}
          width={shown.width}
          height={shown.height}
          alt={`Thumbnail of ${props.video.title ?? props.video.filename}`}
          loading="lazy"
        />
        <figcaption>
          <span>Sizes:</span>
          <ul>
            {thumbs.map((t) => (
              <li key={t.key}>
                <a href={t.url} target="_blank" rel="noopener">
                  {t.width}×{t.height}
                </a>
              </li>
            ))}
          </ul>
        </figcaption>
      </figure>
    </section>
  );
}

/** How one detail value reads to a person: sizes in binary units, lists as words, no JSON. */
function detailValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (/bytes$/i.test(key)) return bytes(value);
    if (/ms$/i.test(key)) return duration(value);
    if (/At$/.test(key) && value > 1e12) return whenExact(new Date(value).toISOString());
    return value.toLocaleString();
  }
  if (Array.isArray(value)) return value.map((v) => detailValue("", v)).join(", ");
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.message === "string") return v.message;
    return Object.entries(v)
      .map(([k, inner]) => `${humanKey(k)} ${detailValue(k, inner)}`)
      .join(", ");
  }
  // Status words and codes read as words: "awaiting_upload" → "awaiting upload".
  return String(value).replace(/_/g, " ");
}

/** camelCase and snake_case keys as words: "contentType" → "content type". */
const humanKey = (key: string) =>
  key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_.]/g, " ")
    .replace(/\b(ms|bytes)$/i, "")
    .trim()
    .toLowerCase();

function detailText(detail: unknown): string {
  if (detail === undefined || detail === null) return "";
  if (typeof detail !== "object" || Array.isArray(detail)) return detailValue("", detail);
  return Object.entries(detail as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => {
      const label = humanKey(k) || (k.toLowerCase().includes("bytes") ? "size" : k);
      return `${label[0]!.toUpperCase()}${label.slice(1)}: ${detailValue(k, v)}`;
    })
    .join(" · ");
}

export function Timeline(props: { events: VideoEvent[] }) {
  if (props.events.length === 0) return null;
  return (
    <section aria-labelledby="history-heading">
      <h3 id="history-heading">History</h3>
      <ol class="timeline">
        {props.events.map((e) => (
          <li key={e.id}>
            <time dateTime={e.at}>{whenExact(e.at)}</time>
            <strong>{e.type.replace(/[._]/g, " ")}</strong>
            {e.detail !== undefined && <span class="detail">{detailText(e.detail)}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
