// Listing at depth: 20,000 videos for one owner, page 100 against page 1, and a Scan against our Query.
import type { startHarness } from "../test/integration/harness";
import { alternate, median, pairedRatio, progress, quick, round } from "./lib";

/** Seeded videos for one owner, and how deep the "deep" page is (50 per page). */
export const listing = { videos: quick ? 2_000 : 20_000, pageSize: 50, deepPage: quick ? 10 : 100 };

type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function measureListing(h: Harness) {
  const owner = "bench-list";
  const key = await h.newKey(owner);
  const [{ Dynamo }, { Video }, { Actor }, { createId }, { ObjectKeys }] = await Promise.all([
    import("@rushes/core/dynamo"),
    import("@rushes/core/video"),
    import("@rushes/core/actor"),
    import("@rushes/core/id"),
    import("@rushes/core/storage/object-keys"),
  ]);

  progress(
    `listing: seeding ${listing.videos} ready videos for one owner (BatchWriteItem via ElectroDB)`,
  );
  const seedStarted = performance.now();
  const ids: string[] = [];
  const now = Date.now();
  const chunk = 1_000;
  for (let from = 0; from < listing.videos; from += chunk) {
    const items = [];
    for (let i = from; i < Math.min(listing.videos, from + chunk); i++) {
      const createdAt = now - (listing.videos - i) * 60_000;
      const videoId = createId("video", createdAt);
      ids.push(videoId);
      items.push(seedItem(videoId, owner, createdAt, ObjectKeys));
    }
    const { unprocessed } = await Dynamo.entities.video.put(items).go({ concurrency: 4 });
    if (unprocessed.length) throw new Error(`${unprocessed.length} seed items were not written`);
    if ((from + chunk) % 5_000 === 0) progress(`  seeded ${from + chunk}`);
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const as = <T>(run: () => Promise<T>) => Actor.provide({ owner, admin: false }, run);
  const page = (cursor?: string) => as(() => Video.list({ limit: listing.pageSize, cursor }));

  // The cursor for the deep page comes from walking there, as a client would.
  let cursor: string | undefined;
  for (let p = 1; p < listing.deepPage; p++) {
    const next = (await page(cursor)).cursor;
    if (!next) throw new Error(`the listing ended at page ${p}`);
    cursor = next;
  }
  const deep = await page(cursor);
  const newestFirst = [...ids].reverse();
  const offset = (listing.deepPage - 1) * listing.pageSize;
  const expected = newestFirst.slice(offset, offset + listing.pageSize);
  if (deep.data.map((v) => v.id).join() !== expected.join()) {
    throw new Error(`page ${listing.deepPage} does not hold the expected videos`);
  }

  // The naive listing: Scan the table, keep this owner's videos, sort newest first, slice the page.
  const scanPage = async (n: number) => {
    const { data } = await Dynamo.entities.video.scan
      .where((attr, op) => op.eq(attr.owner, owner))
      .go({ pages: "all" });
    data.sort((a, b) => (a.videoId < b.videoId ? 1 : a.videoId > b.videoId ? -1 : 0));
    const start = (n - 1) * listing.pageSize;
    return data
      .slice(start, start + listing.pageSize)
      .map((item) => Video.serialize(item as never));
  };
  if ((await scanPage(listing.deepPage)).map((v) => v.id).join() !== expected.join()) {
    throw new Error("the scan listing disagrees with the query listing");
  }

  const deepCursor = cursor;
  const pageRounds = quick ? 5 : 15;
  // Each sample is 5 requests in a row: single requests take a few ms, under timer noise.
  const burst = (cursorFor?: string) => async () => {
    for (let i = 0; i < 5; i++) await page(cursorFor);
  };
  progress(`listing: page 1 vs page ${listing.deepPage}, ${pageRounds} rounds of 5 requests each`);
  const pages = await alternate(
    "pages",
    pageRounds,
    {
      first: burst(undefined),
      deep: burst(deepCursor),
    },
    { quiet: true },
  );
  const scanRounds = quick ? 2 : 5;
  progress(`listing: Scan + filter vs Query for page ${listing.deepPage}, ${scanRounds} rounds`);
  const scan = await alternate("scan", scanRounds, {
    scan: () => scanPage(listing.deepPage),
    query: () => page(deepCursor),
  });
  const detail = {
    videos: listing.videos,
    pageSize: listing.pageSize,
    deepPage: listing.deepPage,
    seedSeconds: round(seedSeconds, 1),
    medianMs: {
      page1: round(median(pages.wall.first) / 5, 2),
      deepPage: round(median(pages.wall.deep) / 5, 2),
      scan: round(median(scan.wall.scan), 1),
      query: round(median(scan.wall.query), 2),
    },
  };
  return {
    key,
    deepPageRatio: round(pairedRatio(pages.wall.deep, pages.wall.first)),
    scanVsQuery: round(pairedRatio(scan.wall.scan, scan.wall.query), 1),
    detail,
  };
}

function seedItem(
  videoId: string,
  owner: string,
  createdAt: number,
  ObjectKeys: typeof import("@rushes/core/storage/object-keys").ObjectKeys,
) {
  return {
    videoId,
    owner,
    title: `Bench video ${videoId.slice(-6)}`,
    filename: "camera-roll.mp4",
    contentType: "video/mp4",
    bytes: 48_000_000,
    sourceKey: ObjectKeys.source(videoId),
    status: "ready" as const,
    attempts: 1,
    probe: {
      durationMs: 30_000,
      width: 1920,
      height: 1080,
      videoCodec: "h264",
      audioCodec: "aac",
      fps: 30,
    },
    renditions: [
      {
        name: "720p",
        width: 1280,
        height: 720,
        bytes: 9_000_000,
        key: ObjectKeys.rendition(videoId, "720p"),
      },
      {
        name: "480p",
        width: 854,
        height: 480,
        bytes: 4_000_000,
        key: ObjectKeys.rendition(videoId, "480p"),
      },
    ],
    thumbnails: [300, 640, 1500, 1920].map((width) => ({
      width,
      height: Math.round((width * 9) / 16),
      key: ObjectKeys.thumbnail(videoId, width),
    })),
    uploadExpiresAt: createdAt + 3_600_000,
    createdAt,
  };
}
