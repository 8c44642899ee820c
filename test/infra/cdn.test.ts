// Infra contract: playback media through CloudFront, private, signed, cached for every viewer.
import { createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { type Deployment, deploy, settle, testPrivateKey } from "./fake";

const WEB_URL = "https://d111111abcdef8.cloudfront.net";
let d: Deployment;

beforeAll(async () => {
  d = await deploy({ stage: "test" });
});

const args = async (type: string, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: the args are what the infra passed, asserted below
  (await settle(d.one(type, name).args)) as Record<string, any>;

describe("the playback CDN", () => {
  test("serves the media bucket through an origin access control, signing every origin request", async () => {
    const oac = await args(
      "aws:cloudfront/originAccessControl:OriginAccessControl",
      "CdnOriginAccess",
    );
    expect(oac).toMatchObject({
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    const dist = await args("aws:cloudfront/distribution:Distribution", "Cdn");
    expect(dist.origins).toEqual([
      {
        originId: "media",
        domainName: "rushes-test-media-abc123.s3.us-east-1.amazonaws.com",
        originAccessControlId:
          "fake:aws:cloudfront/originAccessControl:OriginAccessControl:CdnOriginAccess:id",
      },
    ]);
    expect(dist.enabled).toBe(true);
    expect(d.outputs.cdn).toBe("d2222222abcdef8.cloudfront.net");
  });

  test("answers only requests signed by its key group, over HTTPS, read-only", async () => {
    const dist = await args("aws:cloudfront/distribution:Distribution", "Cdn");
    const behavior = dist.defaultCacheBehavior;
    expect(behavior.trustedKeyGroups).toEqual([
      "fake:aws:cloudfront/keyGroup:KeyGroup:CdnKeyGroup:id",
    ]);
    expect(behavior.viewerProtocolPolicy).toBe("https-only");
    expect(behavior.allowedMethods.sort()).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect(dist.orderedCacheBehaviors).toBeUndefined();
    const group = await args("aws:cloudfront/keyGroup:KeyGroup", "CdnKeyGroup");
    expect(group.items).toEqual(["fake:aws:cloudfront/publicKey:PublicKey:CdnPublicKey:id"]);
  });

  test("the key group's public key is derived from the CdnPrivateKey secret", async () => {
    expect(d.one("sst:sst:Secret", "CdnPrivateKey").args).toEqual({});
    const key = await args("aws:cloudfront/publicKey:PublicKey", "CdnPublicKey");
    expect(key.encodedKey).toBe(
      createPublicKey(testPrivateKey).export({ type: "spki", format: "pem" }).toString(),
    );
    expect(key.encodedKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  test("the cache key leaves out the signed query string, headers and cookies", async () => {
    const dist = await args("aws:cloudfront/distribution:Distribution", "Cdn");
    expect(dist.defaultCacheBehavior.cachePolicyId).toBe(
      "fake:aws:cloudfront/cachePolicy:CachePolicy:CdnCachePolicy:id",
    );
    const policy = await args("aws:cloudfront/cachePolicy:CachePolicy", "CdnCachePolicy");
    expect(policy.parametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      queryStringsConfig: { queryStringBehavior: "none" },
      headersConfig: { headerBehavior: "none" },
      cookiesConfig: { cookieBehavior: "none" },
    });
    expect(policy.defaultTtl).toBeGreaterThanOrEqual(3600);
  });

  test("CORS admits the web app's origin for reads only", async () => {
    const dist = await args("aws:cloudfront/distribution:Distribution", "Cdn");
    expect(dist.defaultCacheBehavior.responseHeadersPolicyId).toBe(
      "fake:aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy:CdnCors:id",
    );
    const headers = await args(
      "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
      "CdnCors",
    );
    expect(headers.corsConfig.accessControlAllowOrigins).toEqual({ items: [WEB_URL] });
    expect(headers.corsConfig.accessControlAllowMethods).toEqual({ items: ["GET", "HEAD"] });
    expect(headers.corsConfig.accessControlAllowCredentials).toBe(false);
  });

  test("the bucket lets only this distribution read, and only media/", async () => {
    const bucket = await args("sst:aws:Bucket", "Media");
    expect(bucket.policy).toEqual([
      {
        actions: ["s3:GetObject"],
        principals: [{ type: "service", identifiers: ["cloudfront.amazonaws.com"] }],
        paths: ["media/*"],
        conditions: [
          {
            test: "StringEquals",
            variable: "AWS:SourceArn",
            values: ["arn:aws:cloudfront::123456789012:distribution/ECDN"],
          },
        ],
      },
    ]);
  });

  test("the API links the CDN's URL and key id, and its private key, for the playback signer", async () => {
    const cdn = await args("sst:sst:Linkable", "Cdn");
    expect(cdn.properties).toEqual({
      url: "https://d2222222abcdef8.cloudfront.net",
      keyPairId: "fake:aws:cloudfront/publicKey:PublicKey:CdnPublicKey:id",
      distributionId: "ECDN",
    });
    const api = d.one("sst:aws:Function", "Api").args;
    const linked = (api.link as unknown[]).map((r) => d.nameOf(r));
    expect(linked).toEqual(expect.arrayContaining(["Cdn", "CdnPrivateKey"]));
    // A DELETE invalidates the video's objects on this distribution, and on nothing else.
    const rights = await settle(api.permissions);
    expect(rights).toContainEqual({
      actions: ["cloudfront:CreateInvalidation"],
      resources: ["arn:aws:cloudfront::123456789012:distribution/ECDN"],
    });
    for (const name of ["Ingest", "ClipWorker"]) {
      const other = (d.one("sst:aws:Function", name).args.link as unknown[]).map((r) =>
        d.nameOf(r),
      );
      expect(other).not.toContain("CdnPrivateKey");
    }
  });
});
