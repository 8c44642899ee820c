import { describe, expect, it } from "vitest";
import { Captions } from "../src/captions";
import { Dynamo } from "../src/dynamo";
import { VisibleError } from "../src/error";
import { CaptionPlaylists } from "../src/playback/captions";
import { ObjectKeys } from "../src/storage";

/** The VisibleError a parse throws, or a failure when it parses. */
function failure(text: string, format: "vtt" | "srt") {
  try {
    Captions.parse(text, format);
  } catch (error) {
    expect(error).toBeInstanceOf(VisibleError);
    return error as VisibleError;
  }
  throw new Error("parsed");
}

describe("Captions.parse: SRT", () => {
  it("turns SRT into WebVTT, cues sorted, tags kept or dropped, bare markup escaped", () => {
    const srt = [
      "\uFEFF2",
      "00:00:03,500 --> 00:00:05,000 X1:10 X2:20 Y1:5 Y2:9",
      '<font color="red">Second</font> & <i>last</i>',
      "",
      "1",
      "0:00:01,2 --> 0:00:02,000",
      "{\\an8}First --> cue",
      "two lines",
      "",
    ].join("\r\n");
    expect(Captions.parse(srt, "srt")).toBe(
      [
        "WEBVTT",
        "",
        "00:00:01.200 --> 00:00:02.000",
        "First --&gt; cue",
        "two lines",
        "",
        "00:00:03.500 --> 00:00:05.000",
        "Second &amp; <i>last</i>",
        "",
      ].join("\n"),
    );
  });

  it("takes cues without numbers, and hours over 99", () => {
    expect(Captions.parse("100:00:00,000 --> 100:00:01,000\nlate\n", "srt")).toContain(
      "100:00:00.000 --> 100:00:01.000\nlate",
    );
  });

  it.each([
    ["1\n00:00:01,000 -> 00:00:02,000\nx\n", 2, "expected a cue timing"],
    [
      "1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n00:00:61,000 --> 00:01:02,000\ny\n",
      6,
      "not a timestamp",
    ],
    ["1\n00:00:03,000 --> 00:00:02,000\nx\n", 2, "ends before it starts"],
    ["1\n00:00:01,000 --> 00:00:02,000\nx\n\nstray paragraph\n", 5, "expected a cue number"],
    ["\n\n  \n", 4, "no cues"],
  ])("names the line of %j", (text, line, message) => {
    const error = failure(text, "srt");
    expect(error.code).toBe("invalid_captions");
    expect(error.kind).toBe("invalid");
    expect(error.message).toMatch(new RegExp(`^Line ${line}: .*${message}`));
    expect(error.issues).toEqual([{ path: `line ${line}`, message: expect.any(String) }]);
  });
});

describe("Captions.parse: WebVTT", () => {
  it("keeps ids, settings, STYLE; drops NOTEs and the header's own lines", () => {
    const vtt = [
      "WEBVTT - a title",
      "X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000",
      "",
      "STYLE",
      "::cue { color: yellow }",
      "",
      "NOTE a comment",
      "that spans lines",
      "",
      "b",
      "00:02.000 --> 00:03.000 align:start line:0",
      "<v Ann>Later",
      "",
      "a",
      "00:00:00.500 --> 00:00:01.000",
      "Sooner",
    ].join("\n");
    expect(Captions.parse(vtt, "vtt")).toBe(
      [
        "WEBVTT",
        "",
        "STYLE",
        "::cue { color: yellow }",
        "",
        "a",
        "00:00:00.500 --> 00:00:01.000",
        "Sooner",
        "",
        "b",
        "00:00:02.000 --> 00:00:03.000 align:start line:0",
        "<v Ann>Later",
        "",
      ].join("\n"),
    );
  });

  it.each([
    ["1\n00:00:01,000 --> 00:00:02,000\nan SRT\n", 1, 'starts with "WEBVTT"'],
    ["WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", 3, '"00:00:01,000" is not a timestamp'],
    ["WEBVTT\n\nid\nno timing here\n", 4, "expected a cue timing"],
    ["WEBVTT\n\nlonely id\n", 4, "expected a cue timing"],
    ["WEBVTT\n\n00:01.000 --> 00:02.000\nx\n00:03.000 --> 00:04.000\n", 5, 'may not contain "-->"'],
    ["WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue {}\n", 6, "before the first cue"],
    ["WEBVTT\n", 2, "no cues"],
  ])("names the line of %j", (text, line, message) => {
    const error = failure(text, "vtt");
    expect(error.code).toBe("invalid_captions");
    expect(error.message).toContain(`Line ${line}: `);
    expect(error.message).toContain(message);
  });

  it("reads its own output back unchanged", () => {
    const once = Captions.parse("1\n00:00:01,000 --> 00:00:02,000\n<b>a</b> < b\n", "srt");
    expect(Captions.parse(once, "vtt")).toBe(once);
  });
});

describe("Captions.language", () => {
  it("canonicalises case and refuses what is not a tag", () => {
    expect(Captions.language("en-us")).toBe("en-US");
    expect(Captions.language("PT-br")).toBe("pt-BR");
    expect(Captions.language("zh-hant-tw")).toBe("zh-Hant-TW");
    for (const bad of ["", "e", "english!", "en_US", "../x", "a".repeat(36), "en--us"]) {
      expect(() => Captions.language(bad)).toThrow(
        expect.objectContaining({ code: "invalid_language", kind: "input" }),
      );
    }
  });
});

describe("caption keys", () => {
  it("keeps a video's tracks in its partition, one per case-insensitive language", () => {
    const videoId = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
    const { Item } = Dynamo.entities.caption
      .put({
        videoId,
        owner: "acme",
        language: "en-US",
        tag: "en-us",
        name: "English",
        source: "upload",
        key: ObjectKeys.caption(videoId, "en-US"),
        status: "ready",
        createdAt: 1,
      })
      .params() as { Item: Record<string, unknown> };
    expect(Item.pk).toBe(`$rushes#videoId_${videoId}`);
    expect(Item.sk).toBe("$history#caption_1#language_en-us");
    expect(Item.language).toBe("en-US");
    expect(Item.key).toBe(`media/${videoId}/captions/en-us.vtt`);
    expect(Object.keys(Item).filter((f) => f.startsWith("gsi"))).toEqual([]);
    const query = Dynamo.entities.caption.query.byId({ videoId }).params() as {
      KeyConditionExpression: string;
      ExpressionAttributeValues: Record<string, string>;
    };
    expect(query.KeyConditionExpression).toContain("begins_with");
    expect(Object.values(query.ExpressionAttributeValues)).toContain(
      "$history#caption_1#language_",
    );
  });
});

describe("CaptionPlaylists", () => {
  const stored = [
    "#EXTM3U",
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",URI="audio/index.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.64001e",AUDIO="audio"',
    "720p/index.m3u8",
    '#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS="avc1.64001e",AUDIO="audio"',
    "360p/index.m3u8",
  ].join("\n");

  it("leaves a master with no tracks as it was", () => {
    const body = Buffer.from(stored);
    expect(CaptionPlaylists.master(body, [])).toBe(body);
  });

  it("adds one SUBTITLES group before the variants, names quoted safely and unique", () => {
    const tracks = [
      { language: "en-US", name: 'Say "hi"\nnow' },
      { language: "en-GB", name: 'Say "hi"\nnow' },
    ];
    const lines = CaptionPlaylists.master(Buffer.from(stored), tracks).toString().split("\n");
    expect(lines.slice(2, 4)).toEqual([
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Say 'hi''now",LANGUAGE="en-US",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="captions/en-us/index.m3u8"`,
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Say 'hi''now (en-GB)",LANGUAGE="en-GB",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="captions/en-gb/index.m3u8"`,
    ]);
    expect(lines.filter((l) => l.startsWith("#EXT-X-STREAM-INF"))).toEqual([
      '#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.64001e",AUDIO="audio",SUBTITLES="subs"',
      '#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS="avc1.64001e",AUDIO="audio",SUBTITLES="subs"',
    ]);
  });

  it("makes a track playlist of one segment spanning the video", () => {
    expect(CaptionPlaylists.media("https://x/a.vtt?sig=1", 8040).split("\n")).toEqual([
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      "#EXT-X-TARGETDURATION:9",
      "#EXT-X-MEDIA-SEQUENCE:0",
      "#EXT-X-PLAYLIST-TYPE:VOD",
      "#EXTINF:8.040,",
      "https://x/a.vtt?sig=1",
      "#EXT-X-ENDLIST",
      "",
    ]);
  });
});
