import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, writeAviWithHlsPlaylist, writePlaylist } from "../../../../test/support/media";
import { Ffmpeg, FfmpegTranscoder, MediaError, Plan, Probe } from "../../src/media";

/*
 * The local-file-read attacks on ffmpeg: a playlist, or an AVI carrying one, that makes ffmpeg
 * open a file and render it into the output. The target is a FIFO canary: whoever opens it is
 * handed a unique secret, and `release()` tells whether anyone did.
 */
const exec = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-hardening-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function rejected(path: string) {
  const error = await Probe.file(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe("ffmpeg hardening", () => {
  it("control: unhardened ffprobe does open a playlist's segment (the canary works)", async () => {
    const trap = await canary(dir);
    const playlist = await writePlaylist(join(dir, "control.m3u8"), trap.path);
    await exec(Ffmpeg.paths().ffprobe, ["-v", "error", playlist], {
      env: { GCONV_PATH: "/x" },
    }).catch(() => undefined);
    expect((await trap.release()).opened).toBe(true);
  });

  it("rejects a text HLS playlist uploaded as a video, without opening its segment", async () => {
    const trap = await canary(dir);
    const errors: MediaError[] = [];
    // As ingest stores it (no extension), and with the extension that makes ffprobe trust it.
    for (const name of ["source", "upload.m3u8"]) {
      const path = await writePlaylist(join(dir, name), trap.path);
      const error = await rejected(path);
      expect(error.permanent).toBe(true);
      expect(["not_a_video", "unsupported_format"]).toContain(error.code);
      errors.push(error);
    }
    expect((await trap.release()).opened).toBe(false);
    for (const error of errors) expect(error.message).not.toContain(trap.secret);
  });

  it("stops ffmpeg 4, which does sniff extension-less playlists, by the allow-list alone", async () => {
    const control = await canary(dir);
    const bare = await writePlaylist(join(dir, "bare-source"), control.path);
    await Ffmpeg.run("ffmpeg", ["-v", "error", "-i", bare, "-f", "null", "-"]).catch(
      () => undefined,
    );
    expect((await control.release()).opened).toBe(true);

    const trap = await canary(dir);
    const source = await writePlaylist(join(dir, "hardened-source"), trap.path);
    const args = ["-protocol_whitelist", "file", "-format_whitelist", Ffmpeg.formatWhitelist];
    const run = Ffmpeg.run("ffmpeg", [
      "-v",
      "error",
      ...args,
      "-i",
      `file:${source}`,
      "-f",
      "null",
      "-",
    ]);
    await expect(run).rejects.toMatchObject({ message: expect.stringMatching(/not on whitelist/) });
    expect((await trap.release()).opened).toBe(false);
  });

  it("rejects a playlist pointing at file:///etc/passwd", async () => {
    const path = await writePlaylist(join(dir, "passwd.m3u8"), "file:///etc/passwd");
    const error = await rejected(path);
    expect(error.permanent).toBe(true);
    expect(error.message).not.toMatch(/root:/);
  });

  it("rejects the AVI with an embedded HLS playlist, without opening its target", async () => {
    const trap = await canary(dir);
    const avi = await writeAviWithHlsPlaylist(join(dir, "attack.avi"), `file://${trap.path}`);
    const error = await rejected(avi);
    expect(error).toMatchObject({ permanent: true });
    expect(["no_video_stream", "not_a_video", "undecodable"]).toContain(error.code);
    const passwd = await writeAviWithHlsPlaylist(join(dir, "passwd.avi"), "file:///etc/passwd");
    expect((await rejected(passwd)).message).not.toMatch(/root:/);
    expect((await trap.release()).opened).toBe(false);
  });

  it("never opens the target even when a caller mislabels a playlist as MP4", async () => {
    const trap = await canary(dir);
    const source = await writePlaylist(join(dir, "mislabelled"), trap.path);
    const work = await mkdtemp(join(dir, "work-"));
    const probe: Probe.Info = {
      durationMs: 10_000,
      width: 320,
      height: 180,
      videoCodec: "h264",
      formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    };
    const plan = Plan.forVideo("vid_x", probe, [300]);
    const error = await FfmpegTranscoder.render({
      sourcePath: source,
      workDir: work,
      probe,
      plan,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ffmpeg_failed" });
    expect((error as Error).message).not.toContain(trap.secret);
    for (const entry of await readdir(work, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      expect((await readFile(join(entry.parentPath, entry.name))).includes(trap.secret)).toBe(
        false,
      );
    }
    expect((await trap.release()).opened).toBe(false);
  });

  it("kills a run that overstays its time limit", async () => {
    const started = Date.now();
    const run = Ffmpeg.run(
      "ffmpeg",
      ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180", "-f", "null", "-"],
      { timeoutMs: 300 },
    );
    await expect(run).rejects.toMatchObject({ code: "timeout", permanent: false });
    // testsrc2 never ends: any return at all means it was killed; the bound is only generous.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("passes untrusted input to ffmpeg as file: URLs and never through a shell", async () => {
    // A name that a shell or a protocol parser would treat specially stays a plain file name.
    const odd = join(dir, "concat:$(touch pwned)|x.mp4");
    await writeFile(odd, "not a video");
    await expect(Probe.file(odd)).rejects.toMatchObject({ code: "not_a_video" });
    expect(await readdir(dir)).not.toContain("pwned");
  });
});
