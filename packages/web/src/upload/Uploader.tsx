import { useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "../api";
import { CameraPicker } from "../components/CameraPicker";
import { toLocalInput, zoneLabel } from "../format";
import { useValue } from "../hooks";
import { type UploadDefaults, uploadDefaults } from "../uploads";
import { FromUrl } from "./FromUrl";

type Engine = typeof import("./uppy");

/** Upload panel: defaults for new files, then Uppy's Dashboard (loaded on demand, it is the heavy part). */
export function Uploader() {
  const defaults = useValue(uploadDefaults);
  const target = useRef<HTMLDivElement>(null);
  const [engine, setEngine] = useState<Engine>();
  const [error, setError] = useState<string>();
  // Uncontrolled after the first render: the person opens and closes it.
  const [recordingOpen] = useState(() => !!uploadDefaults.value.cameraId);

  useEffect(() => {
    let unmount: (() => void) | undefined;
    let cancelled = false;
    import("./uppy")
      .then((mod) => {
        if (cancelled || !target.current) return;
        unmount = mod.mountDashboard(target.current);
        setEngine(mod);
      })
      .catch((e) => setError(`The uploader could not load: ${messageOf(e)}`));
    return () => {
      cancelled = true;
      unmount?.();
    };
  }, []);

  const set = (patch: Partial<UploadDefaults>) => {
    uploadDefaults.value = { ...uploadDefaults.value, ...patch };
    engine?.applyDefaults(patch);
  };

  return (
    <section class="panel uploader" aria-labelledby="upload-heading">
      <div class="uploader-fields">
        <h2 id="upload-heading">Upload</h2>
        <p class="hint">
          These apply to the files you add; edit a single file with its pencil button before
          uploading.
        </p>
        <div class="fields">
          <label>
            Title <span class="optional">optional</span>
            <input
              name="title"
              value={defaults.title}
              maxLength={200}
              onInput={(e) => set({ title: e.currentTarget.value })}
            />
          </label>
          <label>
            Project <span class="optional">optional</span>
            <input
              name="project"
              value={defaults.project}
              maxLength={100}
              pattern="[^/]+"
              title="No slashes"
              onInput={(e) => set({ project: e.currentTarget.value })}
            />
          </label>
        </div>
        <details class="recording" open={recordingOpen}>
          <summary>
            Recording <span class="optional">camera and time, for clips</span>
          </summary>
          <div class="fields">
            <CameraPicker
              id="upload-camera"
              label="Camera"
              allowNone
              value={defaults.cameraId}
              onChange={(cameraId) =>
                set({
                  cameraId,
                  ...(cameraId && !defaults.recordedAt
                    ? { recordedAt: toLocalInput(Date.now()) }
                    : {}),
                })
              }
            />
            <label>
              Recorded at <span class="optional">{zoneLabel()}</span>
              <input
                type="datetime-local"
                step="1"
                name="recordedAt"
                value={defaults.recordedAt}
                required={!!defaults.cameraId}
                onInput={(e) => set({ recordedAt: e.currentTarget.value })}
              />
            </label>
          </div>
        </details>
        <FromUrl />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div ref={target} class="dashboard" />
    </section>
  );
}
