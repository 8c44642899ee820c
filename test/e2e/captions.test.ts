// Browser end-to-end for subtitle tracks: the video page uploads an SRT and a WebVTT, and hls.js
// in Debian's Chromium finds both in the tokenised master, with every cue at its time.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, uploadBytes, waitReady } from "../support/api";
import {
  closeAll,
  openPlayer,
  requireChromium,
  type StartedServer,
  skipBrowser,
  startServer,
  within,
} from "../support/e2e";
import { generateVideo } from "../support/media";

const english = {
  file: "english.srt",
  type: "application/x-subrip",
  language: "en",
  label: "English",
  text: [
    "1",
    "00:00:01,000 --> 00:00:02,000",
    "One",
    "",
    "2",
    "00:00:03,500 --> 00:00:04,500",
    "Two",
    "",
    "3",
    "00:00:06,000 --> 00:00:07,000",
    "Three",
    "",
  ].join("\n"),
  cues: [
    [1, 2, "One"],
    [3.5, 4.5, "Two"],
    [6, 7, "Three"],
  ],
};
const french = {
  file: "french.vtt",
  type: "text/vtt",
  language: "fr",
  label: "Français",
  text: "WEBVTT\n\n00:00.500 --> 00:01.500\nUn\n\n00:02.250 --> 00:03.000\nDeux\n\n00:05.000 --> 00:06.500\nTrois\n",
  cues: [
    [0.5, 1.5, "Un"],
    [2.25, 3, "Deux"],
    [5, 6.5, "Trois"],
  ],
};

type Cue = { start: number; end: number; text: string };

describe.skipIf(skipBrowser)("caption tracks in Chromium", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  let videoId: string;
  let errors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-captions-media-"));
    const source = await generateVideo({
      path: join(dir, "eight.mp4"),
      width: 640,
      height: 360,
      seconds: 8,
      fps: 25,
      preset: "ultrafast",
    });
    server = await startServer({ name: "captions" });
    base = server.base;
    let key: string;
    ({ browser, page, errors, key } = await openPlayer(base, { width: 1280, height: 900 }));
    const api = apiClient(base);
    videoId = await uploadBytes(api, key, await readFile(source), { filename: "eight.mp4" });
    await waitReady(api, key, videoId);
  }, 300_000);

  afterAll(() => closeAll({ browser, server, dir }));

  /** The cues hls.js put on the text track labelled `label`, once it has `count` of them. */
  const cuesOf = async (label: string, count: number): Promise<Cue[]> => {
    const read = () =>
      page.locator(".player video").evaluate((v: HTMLVideoElement, label) => {
        const track = [...v.textTracks].find((t) => t.label === label);
        return [...(track?.cues ?? [])].map((c) => ({
          start: c.startTime,
          end: c.endTime,
          text: (c as VTTCue).text,
        }));
      }, label);
    await expect.poll(async () => (await read()).length, within(20_000)).toBe(count);
    return read();
  };

  /** The text of the cues showing at `seconds`, after seeking there. */
  const showingAt = async (label: string, seconds: number) => {
    const video = page.locator(".player video");
    await video.evaluate((v: HTMLVideoElement, s) => {
      v.currentTime = s;
    }, seconds);
    let text: string[] = [];
    await expect
      .poll(async () => {
        text = await video.evaluate((v: HTMLVideoElement, label) => {
          const track = [...v.textTracks].find((t) => t.label === label);
          return [...(track?.activeCues ?? [])].map((c) => (c as VTTCue).text);
        }, label);
        return text.length;
      }, within(10_000))
      .toBeGreaterThan(0);
    return text;
  };

  it("uploads an SRT and a WebVTT from the video page and lists both", async () => {
    await page.goto(`${base}/#/videos/${videoId}`);
    const form = page.locator("form.caption-upload");
    for (const track of [english, french]) {
      await form.locator('input[name="file"]').setInputFiles({
        name: track.file,
        mimeType: track.type,
        buffer: Buffer.from(track.text),
      });
      await form.getByLabel("Language").fill(track.language);
      await form.getByLabel(/Label/).fill(track.label);
      await form.getByRole("button", { name: "Upload captions" }).click();
      await page.locator(`.caption-tracks li[data-language="${track.language}"]`).waitFor();
    }
    expect(
      await page
        .locator(".caption-tracks li")
        .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-language"))),
    ).toEqual(["en", "fr"]);
  }, 60_000);

  it("gives hls.js two text tracks whose cues sit at their times (±100 ms)", async () => {
    const menu = page.getByRole("group", { name: "Captions" });
    await menu.getByRole("radio").first().waitFor({ timeout: 20_000 });
    expect(
      await menu
        .getByRole("radio")
        .evaluateAll((rs) => rs.map((r) => (r as HTMLInputElement).value)),
    ).toEqual(["off", "en", "fr"]);
    const tracks = await page
      .locator(".player video")
      .evaluate((v: HTMLVideoElement) =>
        [...v.textTracks]
          .filter((t) => t.kind === "subtitles" || t.kind === "captions")
          .map((t) => ({ label: t.label, language: t.language })),
      );
    expect(tracks).toEqual([
      { label: "English", language: "en" },
      { label: "Français", language: "fr" },
    ]);

    for (const track of [english, french]) {
      await menu.getByRole("radio", { name: track.label }).check();
      const cues = await cuesOf(track.label, track.cues.length);
      expect(cues.map((c) => c.text)).toEqual(track.cues.map(([, , text]) => text));
      cues.forEach((cue, i) => {
        const [start, end] = track.cues[i] as [number, number, string];
        expect(Math.abs(cue.start - start), `${track.label} cue ${i} start`).toBeLessThanOrEqual(
          0.1,
        );
        expect(Math.abs(cue.end - end), `${track.label} cue ${i} end`).toBeLessThanOrEqual(0.1);
      });
      // And the player shows the second cue at its middle, on the video's own clock.
      const [start, end, text] = track.cues[1] as [number, number, string];
      expect(await showingAt(track.label, (start + end) / 2)).toEqual([text]);
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
