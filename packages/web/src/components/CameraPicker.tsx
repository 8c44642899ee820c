import { useEffect, useState } from "preact/hooks";
import { knownCameras, loadCameras } from "../cameras";
import { useValue } from "../hooks";

const other = "\u0000other";

/** The owner's cameras, or any id typed in. */
export function CameraPicker(props: {
  id: string;
  label: string;
  value: string;
  onChange: (cameraId: string) => void;
  allowNone?: boolean;
  required?: boolean;
}) {
  const cameras = useValue(knownCameras);
  useEffect(() => {
    void loadCameras();
  }, []);
  const known = cameras.some((c) => c.id === props.value);
  const [typing, setTyping] = useState(!known && props.value !== "");
  const showInput = typing || cameras.length === 0;
  const selected = showInput ? other : props.value;

  return (
    <div class="camera-picker">
      {cameras.length > 0 && (
        <label>
          {props.label}
          <select
            id={props.id}
            name="camera"
            value={selected}
            required={props.required}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setTyping(value === other);
              props.onChange(value === other ? "" : value);
            }}
          >
            {props.allowNone && <option value="">None</option>}
            {!props.allowNone && !props.value && !typing && (
              <option value="" disabled>
                Choose a camera
              </option>
            )}
            {cameras.map((c) => (
              <option key={c.id} value={c.id} title={`${c.alias} (${c.id})`}>
                {c.alias} · {c.id}
              </option>
            ))}
            <option value={other}>Another camera id…</option>
          </select>
        </label>
      )}
      {showInput && (
        <label>
          {cameras.length > 0 ? "Camera id" : props.label}
          <input
            id={cameras.length > 0 ? `${props.id}-id` : props.id}
            name="cameraId"
            value={props.value}
            placeholder="cam_…"
            autoComplete="off"
            spellcheck={false}
            required={props.required}
            onInput={(e) => props.onChange(e.currentTarget.value.trim())}
          />
        </label>
      )}
    </div>
  );
}
