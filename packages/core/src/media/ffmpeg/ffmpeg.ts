import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { Config } from "../../config";
import { logger } from "../../log";
import { MediaError } from "../error";

/**
 * Runs ffmpeg and ffprobe: never through a shell, always with a hard wall-clock limit, and with
 * the input hardening every run over untrusted bytes needs.
 */
export namespace Ffmpeg {
  export type Bin = "ffmpeg" | "ffprobe";

  /**
   * The only demuxers an upload may use, by ffprobe's `format_name` → the short name passed to
   * `-f` and `-format_whitelist`. Playlist and indirection demuxers (hls, concat, image2, tty,
   * data, ...) are absent on purpose: they can make ffmpeg open other files or URLs.
   */
  export const demuxers: Record<string, string> = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mov",
    "matroska,webm": "matroska",
    avi: "avi",
    mpegts: "mpegts",
    mpeg: "mpeg",
    mxf: "mxf",
    flv: "flv",
    asf: "asf",
  };

  /** Comma-separated allow-list for `-format_whitelist`; nested demuxers inherit it. */
  export const formatWhitelist = [...new Set(Object.values(demuxers))].join(",");

  /** The demuxer to force for a probed `formatName`; throws for anything not allowed. */
  export function demuxer(formatName: string): string {
    const short = demuxers[formatName] ?? Object.values(demuxers).find((d) => d === formatName);
    if (!short) {
      throw new MediaError("unsupported_format", `Container "${formatName}" is not accepted`, true);
    }
    return short;
  }

  /**
   * Input options for one untrusted file: local files only, the demuxer forced from the probe
   * (no content sniffing at transcode time), no nested demuxer outside the allow-list, and a
   * pixel cap every decoded frame must meet. The probe sees only the first frame's size; a stream
   * may grow mid-way (320x240, then 16000x16000), and the decoder is the one place that sees
   * every frame. `run` turns the first refused frame into a permanent `frame_too_large`.
   */
  export function input(path: string, formatName: string): string[] {
    const format = demuxer(formatName);
    return [
      ...source(path),
      ...["-format_whitelist", format],
      ...["-max_pixels", String(Config.get().RUSHES_MAX_FRAME_PIXELS)],
      ...["-f", format, "-i", location(path)],
    ];
  }

  /**
   * Whether `path` is a presigned object URL rather than a local file. Only rushes' own code
   * passes URLs (the chunk workers read their byte ranges of the stored source straight from
   * S3); paths are always absolute local files.
   */
  export const isUrl = (path: string) => /^https?:\/\//.test(path);

  /**
   * The protocols one input may use: `file` for a local path; for a URL its own scheme and what
   * carries it, and nothing else. ffmpeg's HTTP reader seeks with Range requests, so a worker
   * transfers only the part of the source it decodes; `reconnect` rides out a dropped connection.
   */
  export function source(path: string): string[] {
    if (!isUrl(path)) return ["-protocol_whitelist", "file"];
    const https = path.startsWith("https:");
    return [
      ...["-protocol_whitelist", https ? "https,tls,tcp" : "http,tcp"],
      ...["-reconnect", "1", "-reconnect_delay_max", "10"],
    ];
  }

  /** ffmpeg's words when reading a URL failed on the way, not on what it read. */
  const network =
    /Server returned|Connection (?:refused|reset|timed out)|Network is unreachable|Failed to resolve|Operation timed out|HTTP error/i;

  /**
   * A failed run over a URL whose reading failed (S3 throttled, a dropped connection) is worth
   * retrying, whatever the input: it becomes a transient `source_unreadable`, never a verdict
   * on the upload. Anything else is returned as it was.
   */
  export function unlessUnreadable(path: string, error: unknown): unknown {
    if (!isUrl(path) || !(error instanceof MediaError) || !network.test(error.message))
      return error;
    return new MediaError(
      "source_unreadable",
      `Reading the stored source failed: ${error.message.slice(0, 300)}`,
      false,
    );
  }

  /** The `-i` argument for `path`: a URL as it is, a local file behind `file:`. */
  export const location = (path: string) => (isUrl(path) ? path : `file:${path}`);

  /** libavutil's words when a decoder refuses a frame over `-max_pixels` (ffmpeg 4 to 7). */
  const oversized = /exceeds specified max pixel count/;

  let resolved: { ffmpeg: string; ffprobe: string } | undefined;

  /** FFMPEG_PATH/FFPROBE_PATH, then the system PATH, then the npm-shipped static binaries. */
  export function paths(): { ffmpeg: string; ffprobe: string } {
    if (resolved) return resolved;
    const config = Config.get();
    resolved = {
      ffmpeg: config.FFMPEG_PATH ?? onPath("ffmpeg") ?? shipped("@ffmpeg-installer/ffmpeg"),
      ffprobe: config.FFPROBE_PATH ?? onPath("ffprobe") ?? shipped("@ffprobe-installer/ffprobe"),
    };
    logVersions(resolved);
    return resolved;
  }

  /** The first line of `-version`, e.g. "ffmpeg version 6.1.1-static https://…". */
  export async function version(bin: Bin): Promise<string> {
    const { stdout } = await promisify(execFile)(paths()[bin], ["-version"], {
      env,
      timeout: 10_000,
    });
    return stdout.split("\n")[0]!.trim();
  }

  /**
   * Once per process (a cold start in Lambda): which builds decode untrusted uploads here. Never
   * awaited and never fatal; a broken binary fails the first real run with a clearer error.
   */
  function logVersions(where: { ffmpeg: string; ffprobe: string }) {
    Promise.all([version("ffmpeg"), version("ffprobe")]).then(
      ([ffmpeg, ffprobe]) =>
        logger().info({ ffmpeg, ffprobe, paths: where }, "media: ffmpeg builds"),
      (err: unknown) =>
        logger().warn({ err, paths: where }, "media: could not read the ffmpeg versions"),
    );
  }

  /** Forgets the resolved paths (tests, or the local runtime after changing settings). */
  export function reset() {
    resolved = undefined;
  }

  function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {}
    }
    return undefined;
  }

  function shipped(pkg: string): string {
    try {
      return (createRequire(import.meta.url)(pkg) as { path: string }).path;
    } catch (cause) {
      throw new MediaError("ffmpeg_missing", `No ffmpeg binary found (${pkg}): ${cause}`, false);
    }
  }

  export interface RunOptions {
    timeoutMs?: number;
    signal?: AbortSignal;
    /**
     * The run's cost is set by an upload (probe, transcode). Its work is bounded by the content
     * (pixel cap, frame cap, no duplicate-frame fill), so a timeout means this input costs more
     * than a function has: retrying would burn the same time again, so it is permanent at once.
     */
    permanentTimeout?: boolean;
  }

  const tailBytes = 4096;

  /**
   * A bare environment: the process that parses untrusted bytes gets no AWS credentials. An
   * empty GCONV_PATH stops static builds (the npm-shipped ffprobe 6) from loading the host's
   * iconv modules, which crashes them on every MPEG-TS file; unconverted text is all we lose.
   */
  const env = { PATH: process.env.PATH ?? "", GCONV_PATH: "/nonexistent/rushes-gconv" };

  /** Spawns the binary and resolves with its output; any non-zero exit is a MediaError. */
  export function run(
    bin: Bin,
    args: string[],
    opts: RunOptions = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const path = paths()[bin];
    const timeoutMs = opts.timeoutMs ?? Config.get().RUSHES_FFMPEG_TIMEOUT_SECONDS * 1000;
    const fullArgs = ["-hide_banner", ...(bin === "ffmpeg" ? ["-nostdin"] : []), ...args];
    logger().debug({ bin, args: fullArgs }, "media: spawn");

    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new MediaError("aborted", `${bin} was aborted before it started`, false));
        return;
      }
      const child = spawn(path, fullArgs, { stdio: ["ignore", "pipe", "pipe"], shell: false, env });
      const stdout: Buffer[] = [];
      let stderr = "";
      let failure: MediaError | undefined;

      const kill = (error: MediaError) => {
        failure ??= error;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(
        () =>
          kill(
            new MediaError(
              "timeout",
              `${bin} ran longer than ${timeoutMs} ms`,
              opts.permanentTimeout ?? false,
            ),
          ),
        timeoutMs,
      );
      const onAbort = () => kill(new MediaError("aborted", `${bin} was aborted`, false));
      opts.signal?.addEventListener("abort", onAbort, { once: true });

      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      // Only the tail matters for diagnosis; a hostile file can make ffmpeg log without end.
      child.stderr.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString("utf8")).slice(-tailBytes);
        // ffmpeg only logs a refused frame and goes on (exit 0, frames missing): stop it here.
        if (oversized.test(stderr)) {
          const max = Config.get().RUSHES_MAX_FRAME_PIXELS;
          kill(new MediaError("frame_too_large", `A frame has more than ${max} pixels`, true));
        }
      });

      const finish = (error?: MediaError) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve({ stdout: Buffer.concat(stdout).toString("utf8"), stderr });
      };
      child.on("error", (cause) =>
        finish(new MediaError("ffmpeg_missing", `Could not start ${bin}: ${cause.message}`, false)),
      );
      child.on("close", (code, signal) => {
        if (failure) return finish(failure);
        if (code === 0) return finish();
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        finish(new MediaError("ffmpeg_failed", `${bin} ${how}: ${stderr.trim()}`, false));
      });
    });
  }
}
