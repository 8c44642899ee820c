import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf, type Recordings } from "../api";
import { clipDraft } from "../cameras";
import { duration, utcText, whenExact } from "../format";
import { ErrorText } from "./Status";

const day = 24 * 3600_000;

type Recording = Recordings["data"][number];
type Loaded = { start: number; end: number; recordings: Recording[]; gaps: Recordings["gaps"] };

/** Local midnight of a `<input type="date">` value, or the last 24 h when empty. */
function windowOf(date: string, now = Date.now()) {
  if (!date) return { start: now - day, end: now };
  const start = new Date(`${date}T00:00:00`).getTime();
  return { start, end: start + day };
}

async function load(cameraId: string, start: number, end: number): Promise<Loaded> {
  const recordings: Recording[] = [];
  let cursor: string | undefined;
  let gaps: Recordings["gaps"] = [];
  do {
    const page = await api.recordings(cameraId, { start, end, cursor });
    recordings.push(...page.data);
    gaps = page.gaps;
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return { start, end, recordings, gaps };
}

/**
 * A camera's recordings on a bar, over the last 24 h or a chosen day, with the gaps the clip
 * worker would wait on. Dragging across the bar fills the clip form with that window.
 */
export function CameraTimeline(props: { cameraId: string; alias: string }) {
  const [date, setDate] = useState("");
  const [zoom, setZoom] = useState(false);
  const [data, setData] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [drag, setDragState] = useState<{ from: number; to: number }>();
  // The pointer handlers read the drag from a ref: pointer events can arrive faster than renders.
  const dragging = useRef<{ from: number; to: number }>();
  const setDrag = (next: { from: number; to: number } | undefined) => {
    dragging.current = next;
    setDragState(next);
  };
  const bar = useRef<HTMLDivElement>(null);

  const refresh = async () => {
    setError(undefined);
    const { start, end } = windowOf(date);
    try {
      setData(await load(props.cameraId, start, end));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  useEffect(() => {
    void refresh();
  }, [props.cameraId, date]);

  // Zoomed, the bar spans the footage (and a margin), so a few seconds can be picked by hand.
  const first = data?.recordings[0];
  const last = data?.recordings.at(-1);
  const view =
    data && zoom && first && last
      ? (() => {
          const from = Date.parse(first.startAt);
          const to = Math.max(...data.recordings.map((r) => Date.parse(r.endAt)));
          const margin = Math.max(2000, (to - from) * 0.1);
          return {
            start: Math.max(data.start, from - margin),
            end: Math.min(data.end, to + margin),
          };
        })()
      : data && { start: data.start, end: data.end };

  const place = (startMs: number, endMs: number) => {
    if (!view) return {};
    const span = view.end - view.start;
    const left = Math.max(0, (startMs - view.start) / span);
    const right = Math.min(1, (endMs - view.start) / span);
    return { left: `${left * 100}%`, width: `${Math.max(0, right - left) * 100}%` };
  };

  const at = (clientX: number) => {
    const rect = bar.current!.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    // Whole seconds: the clip form takes seconds.
    return Math.round((view!.start + fraction * (view!.end - view!.start)) / 1000) * 1000;
  };

  const finish = (clientX: number) => {
    const current = dragging.current;
    if (!current) return;
    const to = at(clientX);
    setDrag({ ...current, to });
    const start = Math.min(current.from, to);
    const end = Math.max(current.from, to);
    if (end - start >= 1000) clipDraft.value = { cameraId: props.cameraId, start, end };
  };

  const selection = drag && {
    start: Math.min(drag.from, drag.to),
    end: Math.max(drag.from, drag.to),
  };
  const ticks = view ? tickMarks(view.start, view.end) : [];

  return (
    <div class="camera-timeline" data-camera-id={props.cameraId}>
      <div class="timeline-controls">
        <label>
          Day <span class="optional">local time; empty for the last 24 h</span>
          <input
            type="date"
            name="day"
            value={date}
            onInput={(e) => setDate(e.currentTarget.value)}
          />
        </label>
        <label class="choice">
          <input
            type="checkbox"
            name="zoom"
            checked={zoom}
            onChange={(e) => setZoom(e.currentTarget.checked)}
          />
          Zoom to the footage
        </label>
        <button type="button" class="link-button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      <ErrorText error={error} />
      {data && view && (
        <>
          <div
            ref={bar}
            class="timeline-bar"
            role="img"
            aria-label={`${props.alias}: ${data.recordings.length} recordings and ${data.gaps.length} gaps between ${whenExact(new Date(view.start).toISOString())} and ${whenExact(new Date(view.end).toISOString())}. Drag across to choose a clip.`}
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture(e.pointerId);
              const t = at(e.clientX);
              setDrag({ from: t, to: t });
            }}
            onPointerMove={(e) => {
              const current = dragging.current;
              if (current && e.buttons) setDrag({ ...current, to: at(e.clientX) });
            }}
            onPointerUp={(e) => finish(e.clientX)}
          >
            {data.gaps.map((g) => (
              <span
                key={g.startAt}
                class="timeline-gap"
                data-gap=""
                style={place(Date.parse(g.startAt), Date.parse(g.endAt))}
                title={`No footage: ${utcText(Date.parse(g.startAt))} → ${utcText(Date.parse(g.endAt))}`}
              />
            ))}
            {data.recordings.map((r) => (
              <span
                key={r.videoId}
                class="timeline-recording"
                data-video-id={r.videoId}
                style={place(Date.parse(r.startAt), Date.parse(r.endAt))}
                title={`${whenExact(r.startAt)}, ${duration(r.durationMs)}`}
              />
            ))}
            {selection && (
              <span class="timeline-selection" style={place(selection.start, selection.end)} />
            )}
          </div>
          <div class="timeline-axis" aria-hidden="true">
            {ticks.map((t) => (
              <span
                key={t.at}
                style={{ left: `${((t.at - view.start) / (view.end - view.start)) * 100}%` }}
              >
                {t.label}
              </span>
            ))}
          </div>
          <p class="hint">
            {data.recordings.length === 0
              ? "No recordings in this window."
              : `${data.recordings.length} recording${data.recordings.length === 1 ? "" : "s"}, ${data.gaps.length} gap${data.gaps.length === 1 ? "" : "s"} over 1 s.`}{" "}
            Drag across the bar to fill the clip form.
          </p>
        </>
      )}
    </div>
  );
}

/** About six local-time labels across the view. */
function tickMarks(start: number, end: number) {
  const span = end - start;
  const steps = [1, 5, 15, 60, 300, 900, 3600, 3 * 3600, 6 * 3600].map((s) => s * 1000);
  const step = steps.find((s) => span / s <= 8) ?? 6 * 3600_000;
  const format = new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    ...(step < 60_000 ? { second: "2-digit" } : {}),
  });
  const marks = [];
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) {
    marks.push({ at, label: format.format(at) });
  }
  return marks;
}
