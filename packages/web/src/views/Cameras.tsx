import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf } from "../api";
import { camerasError, knownCameras, loadCameras, rememberCamera } from "../cameras";
import { CameraTimeline } from "../components/CameraTimeline";
import { ErrorText } from "../components/Status";
import { useValue } from "../hooks";

/** The owner's cameras, from the API: create one, and see a camera's footage on its timeline. */
export function Cameras() {
  const cameras = useValue(knownCameras);
  const loadError = useValue(camerasError);
  const [alias, setAlias] = useState("");
  const [cameraId, setCameraId] = useState("");
  const [shown, setShown] = useState<string>();
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One key per camera being created: a retried submit after a lost answer creates it once.
  const attempt = useRef<string | undefined>(undefined);

  useEffect(() => {
    void loadCameras({ fresh: true });
  }, []);

  const current = cameras.find((c) => c.id === shown) ?? cameras[0];

  return (
    <section class="panel" aria-labelledby="cameras-heading">
      <h2 id="cameras-heading">Cameras</h2>
      <ErrorText error={loadError} />
      {cameras.length > 0 ? (
        <ul class="camera-list" aria-label="Cameras">
          {cameras.map((c) => (
            <li key={c.id} data-camera-id={c.id}>
              <span class="camera-name">
                <strong>{c.alias}</strong> <code>{c.id}</code>
              </span>
              <button
                type="button"
                class="link-button"
                aria-pressed={current?.id === c.id}
                onClick={() => setShown(c.id)}
              >
                Timeline
              </button>
            </li>
          ))}
        </ul>
      ) : (
        !loadError && <p class="empty">No cameras yet.</p>
      )}
      {current && (
        <section aria-labelledby="timeline-heading">
          <h3 id="timeline-heading">
            {current.alias} <span class="optional">timeline</span>
          </h3>
          <CameraTimeline key={current.id} cameraId={current.id} alias={current.alias} />
        </section>
      )}
      <form
        class="stack new-camera"
        aria-labelledby="new-camera-heading"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          setStatus(undefined);
          attempt.current ??= crypto.randomUUID();
          try {
            const camera = await api.createCamera(
              { alias: alias.trim(), ...(cameraId.trim() ? { cameraId: cameraId.trim() } : {}) },
              attempt.current,
            );
            attempt.current = undefined;
            rememberCamera({ id: camera.id, alias: camera.alias });
            setShown(camera.id);
            setAlias("");
            setCameraId("");
            setStatus(`Created ${camera.alias} (${camera.id}).`);
          } catch (err) {
            setError(messageOf(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h3 id="new-camera-heading">New camera</h3>
        <div class="row">
          <label>
            Name
            <input
              name="alias"
              value={alias}
              required
              maxLength={200}
              onInput={(e) => {
                attempt.current = undefined;
                setAlias(e.currentTarget.value);
              }}
            />
          </label>
          <label>
            Camera id <span class="optional">optional, e.g. a serial number</span>
            <input
              name="cameraId"
              value={cameraId}
              maxLength={100}
              pattern="[A-Za-z0-9][A-Za-z0-9_.:\-]*"
              title="Letters, digits, _ . : - only"
              spellcheck={false}
              onInput={(e) => {
                attempt.current = undefined;
                setCameraId(e.currentTarget.value);
              }}
            />
          </label>
        </div>
        <button type="submit" disabled={busy}>
          Create camera
        </button>
        <ErrorText error={error} />
        {status && (
          <p class="ok" role="status">
            {status}
          </p>
        )}
      </form>
    </section>
  );
}
