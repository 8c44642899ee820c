import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../../src/config";
import { Events } from "../../src/event";
import { Address } from "../../src/net/address";
import { Schedule } from "../../src/webhook/schedule";
import { EventPatterns, EventTypes, matches } from "../../src/webhook/schema";

describe("Schedule", () => {
  afterEach(() => {
    delete process.env.RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS;
    Config.reset();
  });

  it("defaults to the Standard Webhooks schedule: 8 attempts, the last about a day on", () => {
    Config.reset();
    const schedule = Schedule.get();
    expect(schedule).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    let at = 0;
    for (let attempt = 1; attempt < schedule.length; attempt++) {
      at = Schedule.nextAttemptAt(attempt, at)!;
    }
    expect(at / 3600_000).toBeCloseTo(27.58, 1);
    expect(Schedule.nextAttemptAt(schedule.length, at)).toBeUndefined();
  });

  it("reads RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS, and refuses a malformed one", () => {
    process.env.RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS = "0, 1,2";
    Config.reset();
    expect(Schedule.get()).toEqual([0, 1, 2]);
    expect(Schedule.nextAttemptAt(1, 1000)).toBe(2000);
    expect(Schedule.nextAttemptAt(3, 1000)).toBeUndefined();
    process.env.RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS = "0,-5";
    Config.reset();
    expect(() => Schedule.get()).toThrow();
  });

  it("waits in SQS delays of at most 15 minutes, never negative", () => {
    expect(Schedule.queueDelaySeconds(5_000, 0)).toBe(5);
    expect(Schedule.queueDelaySeconds(1_500, 0)).toBe(2);
    expect(Schedule.queueDelaySeconds(36_000_000, 0)).toBe(900);
    expect(Schedule.queueDelaySeconds(0, 10_000)).toBe(0);
  });
});

describe("Address", () => {
  it.each([
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "0.0.0.0",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "febf::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:a00:1", // the same mapped 10.0.0.1, written in hex
    "64:ff9b::a00:1",
    // IPv4 embedded in IPv6 is judged as that IPv4 (issue 21, item 8).
    "::127.0.0.1", // IPv4-compatible, as the URL parser stores it: [::7f00:1]
    "::7f00:1",
    "::a9fe:a9fe",
    "::ffff:0:7f00:1", // IPv4-translated
    "::ffff:0:10.0.0.1",
    "64:ff9b::7f00:1", // NAT64
    "64:ff9b::169.254.169.254",
    "64:ff9b:1::a00:1", // local-use NAT64
    "64:ff9b:1:ffff::8.8.8.8",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo: client 10.0.0.1 (inverted)
    "2001:0:a00:1:8000:63bf:f7f7:f7f7", // Teredo through the server 10.0.0.1, client 8.8.8.8
    "2001::7f00:1",
    "2002:a00:1::1", // 6to4 of 10.0.0.1
    "2002:7f00:1::",
    "2001:db8::1",
    "3fff::1",
    "2001:2::1", // benchmarking
    "5f00::1",
    "fe80::1%eth0",
    "not an address",
  ])("refuses %s", (address) => {
    expect(Address.isPublic(address)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "172.15.255.255",
    "172.32.0.1",
    "192.169.0.1",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2001:4860:4860::8888",
    "::8.8.8.8",
    "::ffff:0:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7", // Teredo: server 65.54.227.120, client 8.8.8.8
  ])("admits the public %s", (address) => {
    expect(Address.isPublic(address)).toBe(true);
  });

  it("allows 443, 80 only for http, and the listed ports; any port with local addresses", () => {
    const deployed = { allowPrivate: false, ports: [] };
    const refused = (url: string, policy: { allowPrivate: boolean; ports: number[] } = deployed) =>
      Address.refusedPort(new URL(url), policy);
    expect(refused("https://example.com/")).toBeUndefined();
    expect(refused("https://example.com:443/")).toBeUndefined();
    expect(refused("http://example.com/")).toBeUndefined();
    expect(refused("https://example.com:80/")).toMatch(/port 80 is not allowed/);
    expect(refused("https://example.com:22/")).toMatch(/port 22 is not allowed \(allowed: 443\)/);
    expect(refused("https://example.com:8443/")).toMatch(/port 8443/);
    expect(refused("https://example.com:8443/", { allowPrivate: false, ports: [8443] })).toBe(
      undefined,
    );
    expect(refused("https://example.com:9000/", { allowPrivate: false, ports: [8443] })).toMatch(
      /allowed: 443, 8443/,
    );
    expect(refused("http://127.0.0.1:39999/", { allowPrivate: true, ports: [] })).toBeUndefined();
  });

  it("reads the extra ports from RUSHES_WEBHOOK_PORTS, and refuses a malformed list", () => {
    try {
      Config.reset();
      expect(Config.get().RUSHES_WEBHOOK_PORTS).toEqual([]);
      process.env.RUSHES_WEBHOOK_PORTS = "8443, 9443";
      Config.reset();
      expect(Config.get().RUSHES_WEBHOOK_PORTS).toEqual([8443, 9443]);
      for (const bad of ["0", "65536", "https", "443,x"]) {
        process.env.RUSHES_WEBHOOK_PORTS = bad;
        Config.reset();
        expect(() => Config.get(), bad).toThrow();
      }
    } finally {
      delete process.env.RUSHES_WEBHOOK_PORTS;
      Config.reset();
    }
  });

  it("checks every address a name resolves to, and IP literals as they are", async () => {
    expect(await Address.check("localhost", false)).toMatchObject({ ok: false });
    expect(await Address.check("localhost", true)).toMatchObject({ ok: true });
    expect(await Address.check("[::1]", false)).toMatchObject({ ok: false });
    expect(await Address.check("93.184.215.14", false)).toEqual({
      ok: true,
      addresses: [{ address: "93.184.215.14", family: 4 }],
    });
  });
});

describe("event filters", () => {
  it("match types, family patterns and *", () => {
    expect(matches(["*"], "video.ready")).toBe(true);
    expect(matches(["clip.*"], "clip.available")).toBe(true);
    expect(matches(["clip.*"], "video.ready")).toBe(false);
    expect(matches(["video.failed", "video.rejected"], "video.ready")).toBe(false);
    expect(matches(["video.ready"], "video.ready")).toBe(true);
    // A pattern is a whole family, not a prefix of a type's name.
    expect(matches(["vid.*"], "video.ready")).toBe(false);
  });

  it("lists exactly the known types and their families", () => {
    expect(EventTypes).toEqual(Object.keys(Events.Definitions));
    expect(EventPatterns).toEqual([
      "*",
      "video.*",
      "clip.*",
      "captions.*",
      "video.ready",
      "video.failed",
      "video.rejected",
      "video.expired",
      "video.cancelled",
      "video.playable",
      "clip.available",
      "clip.not_available",
      "clip.failed",
      "captions.ready",
      "captions.failed",
    ]);
  });
});
