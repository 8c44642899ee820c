import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Clip, messageOf } from "../api";
import { clipDraft, knownCameras } from "../cameras";
import { CameraPicker } from "../components/CameraPicker";
import { ErrorText } from "../components/Status";
import {
  fromLocalInput,
  fromUtcInput,
  toLocalInput,
  toUtcInput,
  utcText,
  whenExact,
  zoneLabel,
} from "../format";
import { useValue } from "../hooks";

type Zone = "local" | "utc";

const toInput = (zone: Zone, ms: number) => (zone === "utc" ? toUtcInput(ms) : toLocalInput(ms));
const fromInput = (zone: Zone, value: string) =>
  zone === "utc" ? fromUtcInput(value) : fromLocalInput(value);

/** The same instant in the other zone, labelled, under each time field. */
function Other(props: { zone: Zone; value: string }) {
  const iso = fromInput(props.zone, props.value);
  if (!iso) return null;
  return (
    <span class="optional other-zone" data-other-zone="">
      {props.zone === "utc"
        ? `= ${whenExact(iso)} local (${zoneLabel()})`
        : `= ${utcText(Date.parse(iso))}`}
    </span>
  );
}

export function RequestClip(props: { onCreated: (clip: Clip) => void }) {
  const cameras = useValue(knownCameras);
  const draft = useValue(clipDraft);
  const now = Math.floor(Date.now() / 1000) * 1000;
  const [zone, setZone] = useState<Zone>("local");
  const [cameraId, setCameraId] = useState(cameras[0]?.id ?? "");
  const [start, setStart] = useState(toInput("local", now - 120_000));
  const [end, setEnd] = useState(toInput("local", now - 60_000));
  const [accuracy, setAccuracy] = useState<"exact" | "fast">("exact");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // One Idempotency-Key per clip being asked for: a retried submit never makes two.
  const attempt = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (!cameraId && cameras[0]) setCameraId(cameras[0].id);
  }, [cameras]);

  // A range dragged on a camera's timeline fills the form.
  useEffect(() => {
    if (!draft) return;
    attempt.current = undefined;
    setCameraId(draft.cameraId);
    setStart(toInput(zone, draft.start));
    setEnd(toInput(zone, draft.end));
    form.current?.scrollIntoView({ block: "nearest" });
  }, [draft]);

  const switchZone = (next: Zone) => {
    const s = fromInput(zone, start);
    const e = fromInput(zone, end);
    if (s) setStart(toInput(next, Date.parse(s)));
    if (e) setEnd(toInput(next, Date.parse(e)));
    setZone(next);
  };
  const zoneText = zone === "utc" ? "UTC" : `local, ${zoneLabel()}`;
  const changed = (set: (v: string) => void) => (value: string) => {
    attempt.current = undefined;
    set(value);
  };

  return (
    <section class="panel" aria-labelledby="request-heading">
      <h2 id="request-heading">Request a clip</h2>
      <form
        ref={form}
        class="clip-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const from = fromInput(zone, start);
          const to = fromInput(zone, end);
          if (!cameraId || !from || !to) return setError("Choose a camera, a start and an end.");
          setBusy(true);
          setError(undefined);
          attempt.current ??= crypto.randomUUID();
          try {
            const clip = await api.createClip(
              { cameraId, start: from, end: to, accuracy },
              attempt.current,
            );
            attempt.current = undefined;
            props.onCreated(clip);
          } catch (err) {
            setError(messageOf(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <CameraPicker
          id="clip-camera"
          label="Camera"
          value={cameraId}
          onChange={changed(setCameraId)}
          required
        />
        <fieldset class="zone">
          <legend>Times in</legend>
          <label class="choice">
            <input
              type="radio"
              name="zone"
              value="local"
              checked={zone === "local"}
              onChange={() => switchZone("local")}
            />
            Local time <span class="optional">{zoneLabel()}</span>
          </label>
          <label class="choice">
            <input
              type="radio"
              name="zone"
              value="utc"
              checked={zone === "utc"}
              onChange={() => switchZone("utc")}
            />
            UTC
          </label>
        </fieldset>
        <label>
          Start <span class="optional">{zoneText}</span>
          <input
            type="datetime-local"
            step="1"
            name="start"
            value={start}
            required
            onInput={(e) => changed(setStart)(e.currentTarget.value)}
          />
          <Other zone={zone} value={start} />
        </label>
        <label>
          End <span class="optional">{zoneText}</span>
          <input
            type="datetime-local"
            step="1"
            name="end"
            value={end}
            required
            onInput={(e) => changed(setEnd)(e.currentTarget.value)}
          />
          <Other zone={zone} value={end} />
        </label>
        <fieldset class="accuracy">
          <legend>Accuracy</legend>
          <label class="choice">
            <input
              type="radio"
              name="accuracy"
              value="exact"
              checked={accuracy === "exact"}
              onChange={() => setAccuracy("exact")}
            />
            Exact <span class="optional">frame-accurate, re-encoded</span>
          </label>
          <label class="choice">
            <input
              type="radio"
              name="accuracy"
              value="fast"
              checked={accuracy === "fast"}
              onChange={() => setAccuracy("fast")}
            />
            Fast <span class="optional">cut at keyframes, may start up to ~2 s early</span>
          </label>
        </fieldset>
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Requesting…" : "Request clip"}
        </button>
      </form>
    </section>
  );
}
