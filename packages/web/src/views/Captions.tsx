import { useEffect, useState } from "preact/hooks";
import { api, type CaptionTrack, messageOf, type Video } from "../api";
import { ErrorText } from "../components/Status";

/**
 * A ready video's subtitle tracks: each with its download and a delete, and a form that uploads
 * an SRT or WebVTT file for one language (a second file for a language replaces the first).
 * `onChange` tells the page the HLS master changed, so the player reloads it.
 */
export function Captions(props: { video: Video; onChange: () => void }) {
  const { video } = props;
  const [tracks, setTracks] = useState<CaptionTrack[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = () =>
    api
      .captions(video.id)
      .then((r) => setTracks(r.data))
      .catch((e) => setError(messageOf(e)));

  useEffect(() => {
    load();
  }, [video.id]);

  const act = async (run: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      await load();
      props.onChange();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get("file");
    const language = String(data.get("language") ?? "").trim();
    if (!(file instanceof File) || !file.size || !language) return;
    const ok = await act(() =>
      api.putCaptions(video.id, language, file, String(data.get("name") ?? "").trim()),
    );
    if (ok) form.reset();
  };

  return (
    <section class="captions" aria-labelledby="captions-title">
      <h3 id="captions-title">Captions</h3>
      {tracks && tracks.length === 0 && <p class="optional">No caption tracks yet.</p>}
      {tracks && tracks.length > 0 && (
        <ul class="caption-tracks">
          {tracks.map((t) => (
            <li key={t.language} data-language={t.language}>
              <span>
                {t.name} <span class="code">{t.language}</span>{" "}
                <span class="optional">
                  {t.source === "auto" ? "automatic" : "uploaded"}
                  {t.status === "ready" ? "" : `, ${t.status}`}
                </span>
              </span>
              {t.url && (
                <a href={t.url} download={`${video.id}.${t.language}.vtt`}>
                  Download
                </a>
              )}
              <button
                type="button"
                disabled={busy}
                aria-label={`Delete ${t.name} captions`}
                onClick={() => act(() => api.deleteCaptions(video.id, t.language))}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="caption-upload" onSubmit={submit}>
        <label>
          File (SRT or WebVTT)
          <input
            type="file"
            name="file"
            accept=".srt,.vtt,text/vtt,application/x-subrip"
            required
          />
        </label>
        <label>
          Language
          <input name="language" placeholder="en-US" required maxLength={35} />
        </label>
        <label>
          Label <span class="optional">(optional)</span>
          <input name="name" placeholder="English" maxLength={100} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Upload captions"}
        </button>
      </form>
      <ErrorText error={error} />
    </section>
  );
}
