import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, messageOf, type Video, type VideoFilter, type VideoStatus } from "../api";
import { LoadMore } from "../components/LoadMore";
import { ErrorText, statusLabel } from "../components/Status";
import { videoDetails } from "../details";
import { usePolling, useValue } from "../hooks";
import { Uploader } from "../upload/Uploader";
import { activeUploads, dropUpload, updateUpload } from "../uploads";
import { VideoCard } from "./VideoCard";

const statuses: VideoStatus[] = [
  "awaiting_upload",
  "queued",
  "processing",
  "ready",
  "failed",
  "rejected",
  "expired",
  "cancelled",
];
const settled = (s: VideoStatus) =>
  !["awaiting_upload", "fetching", "queued", "processing"].includes(s);

function matches(video: Video, filter: VideoFilter) {
  return (
    (!filter.status || video.status === filter.status) &&
    (!filter.project || video.project === filter.project)
  );
}

function navigateFilter(filter: VideoFilter) {
  const q = new URLSearchParams();
  if (filter.status) q.set("status", filter.status);
  if (filter.project) q.set("project", filter.project);
  const query = q.toString();
  location.hash = query ? `#/?${query}` : "#/";
}

export function Library(props: { params: URLSearchParams }) {
  const status = (props.params.get("status") ?? "") as VideoStatus | "";
  const project = props.params.get("project") ?? "";
  const filter = useMemo(
    () => ({ status: status || undefined, project: project || undefined }),
    [status, project],
  );

  const [items, setItems] = useState<Video[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  // Fresher copies from polling, by id: they win over what the list returned.
  const [fresh, setFresh] = useState<ReadonlyMap<string, Video>>(new Map());
  const [gone, setGone] = useState<ReadonlySet<string>>(new Set());
  // Screen readers hear when something finishes, without the list itself being a live region.
  const [announcement, setAnnouncement] = useState("");
  const uploads = useValue(activeUploads);
  const generation = useRef(0);

  const load = useCallback(
    async (after?: string) => {
      const mine = after ? generation.current : ++generation.current;
      setLoading(true);
      setError(undefined);
      try {
        const page = await api.videos({ ...filter, cursor: after });
        if (mine !== generation.current) return;
        setItems((current) =>
          after
            ? [...current, ...page.data.filter((v) => !current.some((c) => c.id === v.id))]
            : page.data,
        );
        setCursor(page.cursor);
      } catch (e) {
        if (mine === generation.current) setError(messageOf(e));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [filter],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const videos = useMemo(() => {
    const listed = new Set(items.map((v) => v.id));
    const started = [...uploads.values()]
      .map((u) => fresh.get(u.video.id) ?? u.video)
      .filter((v) => !listed.has(v.id) && matches(v, filter));
    return [...started, ...items].filter((v) => !gone.has(v.id)).map((v) => fresh.get(v.id) ?? v);
  }, [items, uploads, fresh, gone, filter]);

  // Poll what is moving: fetching and processing videos, and uploads whose bytes have all arrived.
  const moving = videos
    .filter(
      (v) =>
        v.status === "fetching" ||
        v.status === "processing" ||
        v.status === "queued" ||
        (v.status === "awaiting_upload" && uploads.get(v.id)?.state === "uploaded"),
    )
    .map((v) => v.id)
    .slice(0, 12);

  usePolling(moving.length > 0, async () => {
    const results = await Promise.all(
      moving.map((id) =>
        videoDetails.get(id, { fresh: true }).then(
          (video) => ({ id, video }),
          (error) => ({ id, gone: error instanceof ApiError && error.status === 404 }),
        ),
      ),
    );
    const polled = results.flatMap((r) => ("video" in r ? [r.video] : []));
    const removed = results.flatMap((r) => ("gone" in r && r.gone ? [r.id] : []));
    for (const video of polled) {
      if (activeUploads.value.has(video.id)) updateUpload(video.id, { video });
    }
    // Deleted elsewhere (another tab, the API): stop showing and polling it.
    for (const id of removed) dropUpload(id);
    if (removed.length) setGone((current) => new Set([...current, ...removed]));
    setFresh((current) => new Map([...current, ...polled.map((v) => [v.id, v] as const)]));
    const moved = polled.filter((v) => videos.find((c) => c.id === v.id)?.status !== v.status);
    const done = moved.filter((v) => settled(v.status));
    if (done.length) {
      setAnnouncement(
        done.map((v) => `${v.title ?? v.filename}: ${statusLabel(v.status)}`).join(". "),
      );
    }
    return removed.length > 0 || moved.length > 0;
  });

  return (
    <>
      <Uploader />
      <section class="panel" aria-labelledby="library-heading">
        <div class="section-head">
          <h2 id="library-heading">Library</h2>
          <Filters filter={filter} />
        </div>
        <ErrorText error={error} />
        <p class="visually-hidden" aria-live="polite">
          {announcement}
        </p>
        {videos.length > 0 ? (
          <ul class="cards" aria-busy={loading}>
            {videos.map((v, i) => (
              <VideoCard key={v.id} video={v} upload={uploads.get(v.id)} eager={i < 4} />
            ))}
          </ul>
        ) : (
          !loading &&
          !error && (
            <p class="empty">
              {filter.status || filter.project
                ? "No videos match these filters."
                : "No videos yet. Add a file above to upload one."}
            </p>
          )
        )}
        <LoadMore loading={loading} cursor={cursor} onMore={load} />
      </section>
    </>
  );
}

function Filters(props: { filter: VideoFilter }) {
  const [project, setProject] = useState(props.filter.project ?? "");
  useEffect(() => setProject(props.filter.project ?? ""), [props.filter.project]);
  return (
    <form
      class="filters"
      aria-label="Filter videos"
      onSubmit={(e) => {
        e.preventDefault();
        navigateFilter({ ...props.filter, project: project.trim() || undefined });
      }}
    >
      <label>
        Status
        <select
          name="status"
          value={props.filter.status ?? ""}
          onChange={(e) =>
            navigateFilter({
              project: project.trim() || undefined,
              status: (e.currentTarget.value || undefined) as VideoStatus | undefined,
            })
          }
        >
          <option value="">All</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Project
        <input
          name="project"
          type="search"
          value={project}
          placeholder="Any"
          onInput={(e) => setProject(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
