import { useEffect, useRef, useState } from "preact/hooks";
import { unauthorized } from "../api";
import { apiKey, devKey, forgetKey, keySource, saveKey } from "../config";
import { useValue } from "../hooks";
import { signal } from "../signal";

/** Set to open the key dialog from elsewhere (the "key refused" banner). */
export const keyDialogRequested = signal(false);

function KeyForm(props: { onSaved?: () => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value.trim()) return;
        saveKey(value);
        unauthorized.value = undefined;
        setValue("");
        props.onSaved?.();
      }}
    >
      <label>
        API key
        <input
          name="apiKey"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <p class="hint">Kept in this browser's local storage and sent only to the rushes API.</p>
      <button type="submit">Save key</button>
    </form>
  );
}

/** First visit to a deployed stage: nothing works without a key, so ask for it up front. */
export function KeyGate() {
  return (
    <main id="main" class="panel gate">
      <h1>rushes</h1>
      <p>Enter the API key you were given to upload and browse videos.</p>
      <KeyForm />
    </main>
  );
}

export function KeySettings() {
  const dialog = useRef<HTMLDialogElement>(null);
  const key = useValue(apiKey);
  const requested = useValue(keyDialogRequested);
  const source = keySource();
  useEffect(() => {
    if (!requested) return;
    keyDialogRequested.value = false;
    if (!dialog.current?.open) dialog.current?.showModal();
  }, [requested]);
  return (
    <>
      <button type="button" class="nav-button" onClick={() => dialog.current?.showModal()}>
        API key
      </button>
      <dialog ref={dialog} aria-labelledby="key-title">
        <h2 id="key-title">API key</h2>
        <p>
          {source === "saved"
            ? `Using a key saved in this browser (…${key?.slice(-4)}).`
            : source === "dev"
              ? "Using the local server's dev key."
              : "No key yet."}
        </p>
        <KeyForm onSaved={() => dialog.current?.close()} />
        <div class="actions">
          {source === "saved" && (
            <button
              type="button"
              class="link-button"
              onClick={() => {
                forgetKey();
                unauthorized.value = undefined;
              }}
            >
              {devKey ? "Forget it and use the dev key" : "Forget the saved key"}
            </button>
          )}
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
