// What survives a reload: the multipart upload started for a file, found again by its fingerprint.

export interface Resumable {
  videoId: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  /** Epoch ms after which the bucket's lifecycle rule has aborted the parts anyway. */
  expiresAt: number;
}

const storageKey = "rushes.multipart";

/** The same file picked again: browsers give no path, so name, size and mtime stand in for it. */
export const fingerprint = (file: { name?: string; size?: number | null; data?: unknown }) => {
  const lastModified = (file.data as { lastModified?: number } | undefined)?.lastModified ?? 0;
  return `${file.name ?? ""}|${file.size ?? 0}|${lastModified}`;
};

function read(): Record<string, Resumable> {
  try {
    const all = JSON.parse(localStorage.getItem(storageKey) ?? "{}") as Record<string, Resumable>;
    const now = Date.now();
    return Object.fromEntries(Object.entries(all).filter(([, r]) => r.expiresAt > now));
  } catch {
    return {};
  }
}

function write(all: Record<string, Resumable>) {
  try {
    localStorage.setItem(storageKey, JSON.stringify(all));
  } catch {
    // Private mode or a full quota: the upload still works, it just cannot resume.
  }
}

export const resumable = (print: string): Resumable | undefined => read()[print];

export function remember(print: string, entry: Resumable) {
  write({ ...read(), [print]: entry });
}

export function forget(print: string) {
  const all = read();
  delete all[print];
  write(all);
}
