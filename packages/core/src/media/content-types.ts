/** The Content-Type each kind of output is stored with, whichever adapter wrote it. */
export const contentTypes = {
  mp4: "video/mp4",
  jpg: "image/jpeg",
  m3u8: "application/vnd.apple.mpegurl",
  m4s: "video/iso.segment",
  vtt: "text/vtt",
} as const;
