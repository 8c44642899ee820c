import type { ClipStatus, VideoStatus } from "../api";

const labels: Record<VideoStatus | ClipStatus, string> = {
  awaiting_upload: "Awaiting upload",
  fetching: "Fetching",
  queued: "Queued",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
  rejected: "Rejected",
  expired: "Expired",
  cancelled: "Cancelled",
  pending: "Waiting for footage",
  available: "Available",
  not_available: "Not available",
  out_of_range: "Out of range",
};

const tone: Record<VideoStatus | ClipStatus, "busy" | "ok" | "bad" | "muted"> = {
  awaiting_upload: "muted",
  fetching: "busy",
  queued: "busy",
  processing: "busy",
  ready: "ok",
  failed: "bad",
  rejected: "bad",
  expired: "muted",
  cancelled: "muted",
  pending: "busy",
  available: "ok",
  not_available: "bad",
  out_of_range: "bad",
};

export const statusLabel = (status: VideoStatus | ClipStatus) => labels[status] ?? status;

export function StatusBadge(props: { status: VideoStatus | ClipStatus; label?: string }) {
  return (
    <span class={`badge badge-${tone[props.status] ?? "muted"}`} data-status={props.status}>
      {props.label ?? statusLabel(props.status)}
    </span>
  );
}

export function ErrorText(props: { error?: string | undefined }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}
