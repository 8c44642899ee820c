import { afterEach, describe, expect, it } from "vitest";
import { Config, ConfigSchema } from "../src/config";

describe("Config", () => {
  afterEach(() => Config.reset());

  it("applies the documented defaults", () => {
    const config = ConfigSchema.parse({});
    expect(config.RUSHES_MAX_UPLOAD_BYTES).toBe(5 * 1024 ** 4);
    expect(config.RUSHES_MULTIPART_THRESHOLD_BYTES).toBe(100 * 1024 ** 2);
    expect(config.RUSHES_MULTIPART_PART_BYTES).toBe(8 * 1024 ** 2);
    expect(config.RUSHES_UPLOAD_EXPIRES_SECONDS).toBe(3600);
    expect(config.RUSHES_THUMBNAIL_WIDTHS).toEqual([300, 640, 1500, 3000]);
    expect(config.RUSHES_TRANSCODER).toBe("ffmpeg");
    expect(config.RUSHES_CLIP_OUT_OF_RANGE_SECONDS).toBe(259200);
    expect(config.RUSHES_CLIP_RETRY_LIMIT_SECONDS).toBe(900);
    expect(config.RUSHES_CLIP_MAX_SECONDS).toBe(600);
    expect(config.RUSHES_S3_FORCE_PATH_STYLE).toBe(false);
  });

  it("coerces strings from the environment", () => {
    const config = ConfigSchema.parse({
      RUSHES_MAX_UPLOAD_BYTES: "1048576",
      RUSHES_THUMBNAIL_WIDTHS: "320, 640",
      RUSHES_TRANSCODER: "mediaconvert",
      RUSHES_S3_FORCE_PATH_STYLE: "true",
    });
    expect(config.RUSHES_MAX_UPLOAD_BYTES).toBe(1048576);
    expect(config.RUSHES_THUMBNAIL_WIDTHS).toEqual([320, 640]);
    expect(config.RUSHES_TRANSCODER).toBe("mediaconvert");
    expect(config.RUSHES_S3_FORCE_PATH_STYLE).toBe(true);
  });

  it.each([
    ["RUSHES_MAX_UPLOAD_BYTES", "-1"],
    ["RUSHES_MAX_UPLOAD_BYTES", "lots"],
    ["RUSHES_MAX_UPLOAD_BYTES", String(5 * 1024 ** 4 + 1)],
    ["RUSHES_MULTIPART_PART_BYTES", String(5 * 1024 ** 2 - 1)],
    ["RUSHES_MULTIPART_THRESHOLD_BYTES", "0"],
    ["RUSHES_TRANSCODER", "handbrake"],
    ["RUSHES_THUMBNAIL_WIDTHS", "300,wide"],
    ["RUSHES_MEDIACONVERT_ENDPOINT", "not a url"],
  ])("rejects %s=%s", (name, value) => {
    expect(() => ConfigSchema.parse({ [name]: value })).toThrow();
  });

  it("reads process.env once and can be reset", () => {
    process.env.RUSHES_CLIP_MAX_SECONDS = "42";
    Config.reset();
    expect(Config.get().RUSHES_CLIP_MAX_SECONDS).toBe(42);
    process.env.RUSHES_CLIP_MAX_SECONDS = "43";
    expect(Config.get().RUSHES_CLIP_MAX_SECONDS).toBe(42);
    Config.reset();
    expect(Config.get().RUSHES_CLIP_MAX_SECONDS).toBe(43);
    delete process.env.RUSHES_CLIP_MAX_SECONDS;
  });
});
