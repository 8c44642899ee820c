// The upload engine: one Uppy for the tab, so uploads keep going while the person browses.
import AwsS3 from "@uppy/aws-s3";
import Uppy, { type Meta, type UppyFile } from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";
import { api } from "../api";
import { maxUploadBytes } from "../config";
import { bytes, fromLocalInput } from "../format";
import { dropUpload, updateUpload, uploadDefaults } from "../uploads";

interface FileMeta extends Meta {
  title?: string;
  project?: string;
  cameraId?: string;
  /** ISO 8601 */
  recordedAt?: string;
}
type Body = Record<string, never>;
type File = UppyFile<FileMeta, Body>;

interface Presigned {
  videoId: string;
  url: string;
  fields: Record<string, string>;
  expiresAt: number;
}

/** Presigned POSTs by Uppy file id: a retry reuses one that is still valid instead of a new video. */
const presigned = new Map<string, Presigned>();

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

async function presign(file: File): Promise<Presigned> {
  const cached = presigned.get(file.id);
  if (cached && cached.expiresAt - Date.now() > 60_000) return cached;
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
  if (upload.method !== "POST") throw new Error("Multipart uploads need the multipart uploader");
  const entry = {
    videoId: video.id,
    url: upload.url,
    fields: upload.fields,
    expiresAt: Date.parse(upload.expiresAt),
  };
  presigned.set(file.id, entry);
  updateUpload(video.id, { video, progress: 0, state: "uploading" });
  return entry;
}

export function getUppy(): Uppy<FileMeta, Body> {
  if (instance) return instance;
  const uppy = new Uppy<FileMeta, Body>({
    id: "rushes",
    autoProceed: false,
    restrictions: { allowedFileTypes: ["video/*"], maxFileSize: maxUploadBytes },
  });
  uppy.use(AwsS3, {
    shouldUseMultipart: false,
    limit: 3,
    // The server chooses the real key; the file id lets signRequest find the file it signs for.
    generateObjectKey: (file) => file.id,
    signRequest: async (request) => {
      const file = uppy.getFile(request.key);
      if (!file || request.method !== "PUT" || "uploadId" in request) {
        throw new Error("Only single-request uploads are supported");
      }
      const { url, fields } = await presign(file);
      return { url, fields };
    },
  });

  uppy.on("file-added", (file) => uppy.setFileMeta(file.id, defaultsMeta()));
  uppy.on("upload-progress", (file, progress) => {
    const entry = file && presigned.get(file.id);
    if (!entry || !progress.bytesTotal) return;
    const percent = Math.floor((100 * (progress.bytesUploaded || 0)) / progress.bytesTotal);
    updateUpload(entry.videoId, { progress: percent, state: "uploading" });
  });
  uppy.on("upload-success", (file) => {
    const entry = file && presigned.get(file.id);
    if (entry) updateUpload(entry.videoId, { progress: 100, state: "uploaded" });
  });
  uppy.on("upload-error", (file, error) => {
    const entry = file && presigned.get(file.id);
    if (entry) updateUpload(entry.videoId, { state: "error", error: error.message });
  });
  // A title names one upload; the project and the camera carry over to the next ones.
  uppy.on("complete", () => {
    uploadDefaults.value = { ...uploadDefaults.value, title: "" };
  });
  uppy.on("file-removed", (file) => {
    const entry = presigned.get(file.id);
    presigned.delete(file.id);
    if (!entry || file.progress.uploadComplete) return;
    // A cancelled upload leaves no half-made video behind.
    dropUpload(entry.videoId);
    api.deleteVideo(entry.videoId).catch(() => {});
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
