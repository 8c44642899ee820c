// The upload engine: one Uppy for the tab, so uploads keep going while the person browses.
import Uppy, { type Meta, type UppyFile } from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";
import { api } from "../api";
import { maxUploadBytes } from "../config";
import { bytes, fromLocalInput } from "../format";
import { dropUpload, updateUpload, uploadDefaults } from "../uploads";
import { RushesUploader } from "./engine";

interface FileMeta extends Meta {
  title?: string;
  project?: string;
  cameraId?: string;
  /** ISO 8601 */
  recordedAt?: string;
  /** Set when a reload's upload picks up where it stopped. */
  resumed?: string;
}
type Body = Record<string, never>;
type File = UppyFile<FileMeta, Body>;

/** The video each Uppy file uploads into: progress and removal act on it. */
const videos = new Map<string, string>();

let instance: Uppy<FileMeta, Body> | undefined;

const trimmed = (value: unknown) =>
  typeof value === "string" && value.trim() ? value.trim() : undefined;

function defaultsMeta(): Partial<FileMeta> {
  const d = uploadDefaults.value;
  return {
    title: d.title.trim(),
    project: d.project.trim(),
    cameraId: d.cameraId.trim(),
    recordedAt: fromLocalInput(d.recordedAt) ?? "",
  };
}

/** Creates the video and its upload: a presigned POST, or a multipart upload above the threshold. */
async function create(file: File) {
  const { title, project, cameraId, recordedAt } = file.meta;
  const camera = trimmed(cameraId);
  const at = trimmed(recordedAt);
  if (camera && !at) throw new Error("A recording needs its recorded-at time");
  if (at && Number.isNaN(Date.parse(at)))
    throw new Error(`"${at}" is not a valid recorded-at time`);
  const { video, upload } = await api.createUpload({
    filename: file.name ?? "video",
    contentType: file.type || "application/octet-stream",
    bytes: file.size ?? 0,
    title: trimmed(title),
    project: trimmed(project),
    ...(camera && at
      ? { camera: { cameraId: camera, recordedAt: new Date(at).toISOString() } }
      : {}),
  });
  videos.set(file.id, video.id);
  updateUpload(video.id, { video, progress: 0, state: "uploading" });
  return { ...upload, videoId: video.id };
}

/** A reload interrupted this file's upload; the parts S3 already holds are not sent again. */
async function resumed(
  uppy: Uppy<FileMeta, Body>,
  file: File,
  videoId: string,
  done: number,
  total: number,
) {
  videos.set(file.id, videoId);
  const message = `Resuming: ${done} of ${total} parts already uploaded`;
  uppy.info(message, "info", 10_000);
  uppy.setFileMeta(file.id, { resumed: message });
  try {
    updateUpload(videoId, { video: await api.video(videoId), state: "uploading", note: message });
  } catch {
    // The library shows it on its next refresh.
  }
}

export function getUppy(): Uppy<FileMeta, Body> {
  if (instance) return instance;
  const uppy = new Uppy<FileMeta, Body>({
    id: "rushes",
    autoProceed: false,
    restrictions: { allowedFileTypes: ["video/*"], maxFileSize: maxUploadBytes },
  });
  uppy.use(RushesUploader, {
    hooks: {
      create: (file) => create(file as File),
      resumed: (file, videoId, done, total) =>
        void resumed(uppy, file as File, videoId, done, total),
    },
  });

  uppy.on("file-added", (file) => uppy.setFileMeta(file.id, defaultsMeta()));
  uppy.on("upload-progress", (file, progress) => {
    const videoId = file && videos.get(file.id);
    if (!videoId || !progress.bytesTotal) return;
    const percent = Math.floor((100 * (progress.bytesUploaded || 0)) / progress.bytesTotal);
    updateUpload(videoId, { progress: percent, state: "uploading" });
  });
  uppy.on("upload-success", (file) => {
    const videoId = file && videos.get(file.id);
    if (videoId) updateUpload(videoId, { progress: 100, state: "uploaded" });
  });
  uppy.on("upload-error", (file, error) => {
    const videoId = file && videos.get(file.id);
    if (videoId) updateUpload(videoId, { state: "error", error: error.message });
  });
  // A title names one upload; the project and the camera carry over to the next ones.
  uppy.on("complete", () => {
    uploadDefaults.value = { ...uploadDefaults.value, title: "" };
  });
  uppy.on("file-removed", (file) => {
    const videoId = videos.get(file.id);
    videos.delete(file.id);
    if (!videoId || file.progress.uploadComplete) return;
    // A cancelled upload leaves no half-made video behind (and its parts are aborted).
    dropUpload(videoId);
    api.deleteVideo(videoId).catch(() => {});
  });
  instance = uppy;
  return uppy;
}

/** Applies changed defaults to the files that have not started uploading yet. */
export function applyDefaults(changed: Partial<Record<keyof FileMeta, unknown>>) {
  const uppy = getUppy();
  const meta = defaultsMeta();
  const patch = Object.fromEntries(
    Object.keys(changed).map((key) => [key, meta[key as keyof FileMeta]]),
  ) as Partial<FileMeta>;
  for (const file of uppy.getFiles()) {
    if (!file.progress.uploadStarted) uppy.setFileMeta(file.id, patch);
  }
}

/** Mounts the Dashboard into `target`; returns the unmount. Uppy itself lives on. */
export function mountDashboard(target: HTMLElement): () => void {
  const uppy = getUppy();
  // A phone needs less empty drop area; Uppy takes its height as an option, not from CSS.
  const narrow = matchMedia("(max-width: 640px)");
  const height = () => (narrow.matches ? 250 : 360);
  uppy.use(Dashboard, {
    id: "Dashboard",
    target,
    inline: true,
    width: "100%",
    height: height(),
    theme: "light",
    proudlyDisplayPoweredByUppy: false,
    disableThumbnailGenerator: true,
    note: `Video files only, up to ${bytes(maxUploadBytes)} each`,
    metaFields: [
      { id: "title", name: "Title", placeholder: "Defaults to the file name" },
      { id: "project", name: "Project", placeholder: "Optional" },
      { id: "cameraId", name: "Camera id", placeholder: "For recordings" },
      { id: "recordedAt", name: "Recorded at", placeholder: "ISO 8601, e.g. 2025-01-31T09:30:00Z" },
    ],
  });
  const resize = () => uppy.getPlugin("Dashboard")?.setOptions({ height: height() });
  narrow.addEventListener("change", resize);
  return () => {
    narrow.removeEventListener("change", resize);
    const dashboard = uppy.getPlugin("Dashboard");
    if (dashboard) uppy.removePlugin(dashboard);
  };
}
