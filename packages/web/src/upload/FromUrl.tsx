import { useState } from "preact/hooks";
import { api, messageOf } from "../api";
import { updateUpload, uploadDefaults } from "../uploads";

/** "From a URL": rushes fetches the file itself (POST /v1/uploads with `url`). */
export function FromUrl() {
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      const { title, project } = uploadDefaults.value;
      const video = await api.createFromUrl({
        url: url.trim(),
        ...(title.trim() ? { title: title.trim() } : {}),
        ...(project.trim() ? { project: project.trim() } : {}),
      });
      // Shown in the library at once, before its next refresh lists it.
      updateUpload(video.id, { video, progress: 100, state: "uploaded" });
      setMessage({ text: `Fetching ${video.filename}…` });
      setUrl("");
    } catch (e) {
      setMessage({ text: messageOf(e), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="from-url" onSubmit={submit} aria-labelledby="from-url-heading">
      <label id="from-url-heading">
        From a URL <span class="optional">rushes downloads it itself</span>
        <input
          type="url"
          name="url"
          required
          placeholder="https://example.com/take-1.mp4"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy || !url.trim()}>
        {busy ? "Starting…" : "Fetch"}
      </button>
      {message && (
        <p class={message.error ? "error" : "hint"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
