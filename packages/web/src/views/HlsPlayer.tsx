import type HlsType from "hls.js";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Video } from "../api";
import { bytes } from "../format";

type Playback = NonNullable<Video["playback"]>;
type Cue = { start: number; end: number; url: string; x: number; y: number; w: number; h: number };

/**
 * The adaptive player: hls.js where the browser has Media Source Extensions, the browser's own
 * HLS otherwise (Safari on iOS). A quality menu (Auto plus each rung), storyboard previews over
 * the seek bar, and the MP4 renditions as downloads.
 */
export function HlsPlayer(props: { video: Video; playback: Playback }) {
  const { video, playback } = props;
  const ref = useRef<HTMLVideoElement>(null);
  const hls = useRef<HlsType>();
  const [levels, setLevels] = useState<{ index: number; name: string }[]>([]);
  const [level, setLevel] = useState(-1);
  const [subtitles, setSubtitles] = useState<{ index: number; name: string; lang: string }[]>([]);
  const [subtitle, setSubtitle] = useState(-1);
  const [playing, setPlaying] = useState<string>();
  const [error, setError] = useState<string>();
  const poster =
    [...video.thumbnails].sort((a, b) => a.width - b.width).find((t) => t.width >= 640 && t.url) ??
    video.thumbnails.at(-1);

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let cancelled = false;
    (async () => {
      const { default: Hls } = await import("hls.js");
      if (cancelled) return;
      if (!Hls.isSupported()) {
        element.src = playback.hls;
        return;
      }
      const player = new Hls({ capLevelToPlayerSize: false });
      hls.current = player;
      player.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(
          data.levels
            .map((l, index) => ({
              index,
              name: `${Math.min(l.width, l.height)}p`,
              height: l.height,
            }))
            .sort((a, b) => b.height - a.height),
        );
      });
      // The master's SUBTITLES group; hls.js makes a text track of each and loads the chosen one.
      player.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => {
        setSubtitles(
          data.subtitleTracks.map((t, index) => ({ index, name: t.name, lang: t.lang ?? "" })),
        );
      });
      player.on(Hls.Events.SUBTITLE_TRACK_SWITCH, (_e, data) => setSubtitle(data.id));
      player.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
        const l = player.levels[data.level];
        if (l) setPlaying(`${Math.min(l.width, l.height)}p`);
      });
      player.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) setError(`Playback failed (${data.details}); reload the page to retry.`);
      });
      player.loadSource(playback.hls);
      player.attachMedia(element);
    })();
    return () => {
      cancelled = true;
      hls.current?.destroy();
      hls.current = undefined;
    };
  }, [playback.hls]);

  const choose = (index: number) => {
    setLevel(index);
    // -1 is Auto; a rung switches at once (the buffer ahead is replaced).
    if (hls.current) hls.current.currentLevel = index;
  };

  const chooseSubtitle = (index: number) => {
    setSubtitle(index);
    const player = hls.current;
    if (!player) return;
    player.subtitleDisplay = index !== -1;
    player.subtitleTrack = index;
  };

  const downloads = video.renditions.filter((r) => r.url).sort((a, b) => b.height - a.height);
  return (
    <div class="player" data-level={playing ?? ""}>
      {/* biome-ignore lint/a11y/useMediaCaption: hls.js adds the caption tracks from the master */}
      <video
        ref={ref}
        controls
        playsInline
        preload="metadata"
        poster={poster?.url}
        width={video.probe?.width}
        height={video.probe?.height}
        aria-label={video.title ?? video.filename}
      />
      {playback.storyboard && <Scrubber video={ref} storyboard={playback.storyboard} />}
      {error && (
        <p class="reason" role="alert">
          {error}
        </p>
      )}
      {levels.length > 1 && (
        <fieldset class="quality">
          <legend>Quality{playing ? ` (playing ${playing})` : ""}</legend>
          {[{ index: -1, name: "Auto" }, ...levels].map((l) => (
            <label key={l.index} class="choice">
              <input
                type="radio"
                name="quality"
                value={l.name}
                checked={l.index === level}
                onChange={() => choose(l.index)}
              />
              {l.name}
            </label>
          ))}
        </fieldset>
      )}
      {subtitles.length > 0 && (
        <fieldset class="quality captions-menu">
          <legend>Captions</legend>
          {[{ index: -1, name: "Off", lang: "" }, ...subtitles].map((t) => (
            <label key={t.index} class="choice">
              <input
                type="radio"
                name="captions"
                value={t.lang || "off"}
                checked={t.index === subtitle}
                onChange={() => chooseSubtitle(t.index)}
              />
              {t.name}
            </label>
          ))}
        </fieldset>
      )}
      {downloads.length > 0 && (
        <p class="downloads">
          {downloads.map((r) => (
            <a key={r.name} href={r.url} download={`${video.title ?? video.id}-${r.name}.mp4`}>
              Download {r.name} <span class="optional">{bytes(r.bytes)}</span>
            </a>
          ))}
        </p>
      )}
    </div>
  );
}

/** WebVTT storyboard cues: `start --> end` then `url#xywh=x,y,w,h`. */
export function parseStoryboard(text: string): Cue[] {
  const seconds = (t: string) => {
    const parts = t.trim().split(":").map(Number);
    return parts.reduce((sum, part) => sum * 60 + part, 0);
  };
  const cues: Cue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length - 1; i++) {
    const timing = lines[i]!;
    if (!timing.includes("-->")) continue;
    const [start, end] = timing.split("-->");
    const match = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1]!.trim());
    if (!match || !start || !end) continue;
    cues.push({
      start: seconds(start),
      end: seconds(end),
      url: match[1]!,
      x: Number(match[2]),
      y: Number(match[3]),
      w: Number(match[4]),
      h: Number(match[5]),
    });
  }
  return cues;
}

/**
 * A seek bar under the video that previews the storyboard tile under the pointer (hover, or
 * drag on touch) and seeks on click. The native controls stay for everything else.
 */
function Scrubber(props: { video: { current: HTMLVideoElement | null }; storyboard: string }) {
  const [cues, setCues] = useState<Cue[]>([]);
  const [hover, setHover] = useState<{ at: number; fraction: number }>();
  const [progress, setProgress] = useState(0);

  useEffect(() => {
    let cancelled = false;
    fetch(props.storyboard)
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => !cancelled && setCues(parseStoryboard(text)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [props.storyboard]);

  useEffect(() => {
    const element = props.video.current;
    if (!element) return;
    const update = () => setProgress(element.duration ? element.currentTime / element.duration : 0);
    element.addEventListener("timeupdate", update);
    return () => element.removeEventListener("timeupdate", update);
  }, [props.video.current]);

  const duration = () => props.video.current?.duration || cues.at(-1)?.end || 0;
  const position = (e: PointerEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    return { fraction, at: fraction * duration() };
  };
  const cue = hover && cues.find((c) => hover.at >= c.start && hover.at < c.end);
  const label = (s: number) =>
    `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

  return (
    <div
      class="scrubber"
      role="slider"
      tabIndex={0}
      aria-label="Seek"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(progress * 100)}
      onPointerMove={(e) => setHover(position(e))}
      onPointerDown={(e) => setHover(position(e))}
      onPointerLeave={() => setHover(undefined)}
      onClick={(e) => {
        const element = props.video.current;
        if (element) element.currentTime = position(e as unknown as PointerEvent).at;
      }}
      onKeyDown={(e) => {
        const element = props.video.current;
        if (!element) return;
        if (e.key === "ArrowRight") element.currentTime += 5;
        if (e.key === "ArrowLeft") element.currentTime -= 5;
      }}
    >
      <div class="scrubber-progress" style={{ width: `${progress * 100}%` }} />
      {hover && cue && (
        <div
          class="storyboard-tile"
          data-start={cue.start}
          style={{
            left: `calc(${hover.fraction * 100}% - ${cue.w / 2}px)`,
            width: `${cue.w}px`,
            height: `${cue.h}px`,
            backgroundImage: `url("${cue.url}")`,
            backgroundPosition: `-${cue.x}px -${cue.y}px`,
          }}
        >
          <span>{label(hover.at)}</span>
        </div>
      )}
    </div>
  );
}
