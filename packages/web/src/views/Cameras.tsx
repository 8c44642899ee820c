import { useState } from "preact/hooks";
import { api, messageOf } from "../api";
import { forgetCamera, knownCameras, rememberCamera } from "../cameras";
import { ErrorText } from "../components/Status";
import { useValue } from "../hooks";

/** Create a camera, or remember an existing one in this browser (there is no listing). */
export function Cameras() {
  const cameras = useValue(knownCameras);
  const [alias, setAlias] = useState("");
  const [cameraId, setCameraId] = useState("");
  const [existing, setExisting] = useState("");
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      setStatus(await work());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="cameras-heading">
      <h2 id="cameras-heading">Cameras</h2>
      <div class="two-col">
        <form
          class="stack"
          aria-labelledby="new-camera-heading"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const camera = await api.createCamera({
                alias: alias.trim(),
                ...(cameraId.trim() ? { cameraId: cameraId.trim() } : {}),
              });
              rememberCamera({ id: camera.id, alias: camera.alias });
              setAlias("");
              setCameraId("");
              return `Created ${camera.alias} (${camera.id}).`;
            });
          }}
        >
          <h3 id="new-camera-heading">New camera</h3>
          <label>
            Name
            <input
              name="alias"
              value={alias}
              required
              maxLength={200}
              onInput={(e) => setAlias(e.currentTarget.value)}
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
              onInput={(e) => setCameraId(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Create camera
          </button>
        </form>
        <form
          class="stack"
          aria-labelledby="add-camera-heading"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const camera = await api.camera(existing.trim());
              rememberCamera({ id: camera.id, alias: camera.alias });
              setExisting("");
              return `Added ${camera.alias} (${camera.id}).`;
            });
          }}
        >
          <h3 id="add-camera-heading">Existing camera</h3>
          <label>
            Camera id
            <input
              name="existingId"
              value={existing}
              required
              spellcheck={false}
              onInput={(e) => setExisting(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Add to this browser
          </button>
        </form>
      </div>
      <ErrorText error={error} />
      {status && (
        <p class="ok" role="status">
          {status}
        </p>
      )}
      {cameras.length > 0 && (
        <ul class="camera-list" aria-label="Cameras in this browser">
          {cameras.map((c) => (
            <li key={c.id}>
              <span>
                <strong>{c.alias}</strong> <code>{c.id}</code>
              </span>
              <button
                type="button"
                class="link-button"
                onClick={() => forgetCamera(c.id)}
                aria-label={`Forget ${c.alias}`}
              >
                Forget
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
