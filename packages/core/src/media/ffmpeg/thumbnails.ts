import type { Plan } from "../plan";

/** Filter-graph pieces that turn one video branch into JPEG thumbnails. */
export namespace Thumbnails {
  /**
   * The `thumbnail` filter picks the most typical of a few consecutive frames, which skips a
   * flash or a transition frame. Six frames keep the buffer small even at 4K.
   */
  const window = 6;

  /**
   * From `[input]`: the first frames from `atSeconds` on, the pick, then one scaled branch per
   * size, labelled `[${prefix}N]`. The window is counted in frames, not seconds: a sparse
   * variable-rate source may have no frame in any short span, and a span would then need the
   * duplicate-frame fill that rushes turns off. Its end matters: ffmpeg keeps running a finished
   * output's filters, so an open-ended branch would analyse every remaining frame of a long video
   * (it cost a third of the CPU of a 10 s 1080p transcode); ended, it closes at once.
   */
  export function graph(input: string, sizes: Plan.Size[], prefix: string, atSeconds = 0) {
    const trim = `trim=start=${atSeconds.toFixed(3)},trim=end_frame=${window + 1}`;
    const branches = sizes.map((_, i) => `[${prefix}s${i}]`).join("");
    const head = `[${input}]${trim},thumbnail=n=${window},split=${sizes.length}${branches}`;
    const scaled = sizes.map(
      (size, i) =>
        `[${prefix}s${i}]scale=${size.width}:${size.height},setsar=1,format=yuvj420p[${prefix}${i}]`,
    );
    return { graph: [head, ...scaled].join(";"), labels: sizes.map((_, i) => `[${prefix}${i}]`) };
  }

  /** Output options for one still: a single frame, good JPEG quality. */
  export function output(label: string, path: string): string[] {
    return ["-map", label, "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-update", "1", path];
  }
}
