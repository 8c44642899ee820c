import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Clip, messageOf } from "../api";
import { knownCameras } from "../cameras";
import { CameraPicker } from "../components/CameraPicker";
import { ErrorText } from "../components/Status";
import { fromLocalInput, toLocalInput, zoneLabel } from "../format";
import { useValue } from "../hooks";

export function RequestClip(props: { onCreated: (clip: Clip) => void }) {
  const cameras = useValue(knownCameras);
  const now = Math.floor(Date.now() / 1000) * 1000;
  const [cameraId, setCameraId] = useState(cameras[0]?.id ?? "");
  const [start, setStart] = useState(toLocalInput(now - 120_000));
  const [end, setEnd] = useState(toLocalInput(now - 60_000));
  const [accuracy, setAccuracy] = useState<"exact" | "fast">("exact");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const lastCameras = useRef(cameras.length);

  // A camera created just now is the one most likely wanted.
  useEffect(() => {
    if (cameras.length > lastCameras.current && cameras[0]) setCameraId(cameras[0].id);
    lastCameras.current = cameras.length;
  }, [cameras]);

  return (
    <section class="panel" aria-labelledby="request-heading">
      <h2 id="request-heading">Request a clip</h2>
      <form
        class="clip-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const from = fromLocalInput(start);
          const to = fromLocalInput(end);
          if (!cameraId || !from || !to) return setError("Choose a camera, a start and an end.");
          setBusy(true);
          setError(undefined);
          try {
            props.onCreated(await api.createClip({ cameraId, start: from, end: to, accuracy }));
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
          onChange={setCameraId}
          required
        />
        <label>
          Start <span class="optional">{zoneLabel()}</span>
          <input
            type="datetime-local"
            step="1"
            name="start"
            value={start}
            required
            onInput={(e) => setStart(e.currentTarget.value)}
          />
        </label>
        <label>
          End
          <input
            type="datetime-local"
            step="1"
            name="end"
            value={end}
            required
            onInput={(e) => setEnd(e.currentTarget.value)}
          />
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
