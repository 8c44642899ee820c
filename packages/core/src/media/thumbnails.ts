import type { Plan } from "./plan";

/** Filter-graph pieces that turn one video branch into JPEG thumbnails. */
export namespace Thumbnails {
  /**
   * The `thumbnail` filter picks the most typical of a few consecutive frames, which skips a
   * flash or a transition frame. Six frames keep the buffer small even at 4K.
   */
  const window = 6;

  /**
   * From `[input]`: an optional trim to `atSeconds` (in the same run as the renditions, so no
   * second decode), then one scaled branch per size, labelled `[${prefix}N]`.
   */
  export function graph(input: string, sizes: Plan.Size[], prefix: string, atSeconds?: number) {
    const trim = atSeconds !== undefined ? `trim=start=${atSeconds.toFixed(3)},` : "";
    const branches = sizes.map((_, i) => `[${prefix}s${i}]`).join("");
    const head = `[${input}]${trim}thumbnail=n=${window},split=${sizes.length}${branches}`;
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
