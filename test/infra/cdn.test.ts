// Infra contract: playback media through CloudFront, private, signed, cached for every viewer.
import { createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import {
  allowed,
  arnOf,
  type DeployedStack,
  deployStack,
  linksOf,
  resource,
  resourcePolicies,
  statementsOf,
  testPrivateKey,
} from "./stack";

let d: DeployedStack;

beforeAll(async () => {
  d = await deployStack();
});

// biome-ignore lint/suspicious/noExplicitAny: resource inputs, asserted below
const inputs = (type: string, name: string): Record<string, any> => resource(d, type, name).inputs;
/** A resource's id, as the mocks gave it: others refer to it by that. */
const idOf = (type: string, name: string) => resource(d, type, name).state.id;

describe("the playback CDN", () => {
  const distribution = () => inputs("aws:cloudfront/distribution:Distribution", "Cdn");

  test("serves the media bucket through an origin access control, signing every origin request", () => {
    expect(
      inputs("aws:cloudfront/originAccessControl:OriginAccessControl", "CdnOriginAccess"),
    ).toMatchObject({
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    const bucket = resource(d, "aws:s3/bucket:Bucket", "MediaBucket").state;
    expect(distribution().origins).toEqual([
      expect.objectContaining({
        originId: "media",
        domainName: bucket.bucketRegionalDomainName,
        originAccessControlId: idOf(
          "aws:cloudfront/originAccessControl:OriginAccessControl",
          "CdnOriginAccess",
        ),
      }),
    ]);
    expect(distribution().enabled).toBe(true);
    expect(d.outputs.cdn).toBe(
      resource(d, "aws:cloudfront/distribution:Distribution", "Cdn").state.domainName,
    );
  });

  test("answers only requests signed by its key group, over HTTPS, read-only", () => {
    const behavior = distribution().defaultCacheBehavior;
    expect(behavior.trustedKeyGroups).toEqual([
      idOf("aws:cloudfront/keyGroup:KeyGroup", "CdnKeyGroup"),
    ]);
    expect(behavior.viewerProtocolPolicy).toBe("https-only");
    expect([...behavior.allowedMethods].sort()).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect(distribution().orderedCacheBehaviors).toBeUndefined();
    expect(inputs("aws:cloudfront/keyGroup:KeyGroup", "CdnKeyGroup").items).toEqual([
      idOf("aws:cloudfront/publicKey:PublicKey", "CdnPublicKey"),
    ]);
  });

  test("the key group's public key is derived from the CdnPrivateKey secret", () => {
    const key = inputs("aws:cloudfront/publicKey:PublicKey", "CdnPublicKey");
    expect(key.encodedKey).toBe(
      createPublicKey(testPrivateKey).export({ type: "spki", format: "pem" }).toString(),
    );
    expect(key.encodedKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  test("the cache key leaves out the signed query string, headers and cookies", () => {
    expect(distribution().defaultCacheBehavior.cachePolicyId).toBe(
      idOf("aws:cloudfront/cachePolicy:CachePolicy", "CdnCachePolicy"),
    );
    const policy = inputs("aws:cloudfront/cachePolicy:CachePolicy", "CdnCachePolicy");
    expect(policy.parametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      queryStringsConfig: { queryStringBehavior: "none" },
      headersConfig: { headerBehavior: "none" },
      cookiesConfig: { cookieBehavior: "none" },
    });
    expect(policy.defaultTtl).toBeGreaterThanOrEqual(3600);
  });

  test("CORS admits the web app's origin for reads only", () => {
    expect(distribution().defaultCacheBehavior.responseHeadersPolicyId).toBe(
      idOf("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "CdnCors"),
    );
    const headers = inputs("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "CdnCors");
    expect(headers.corsConfig.accessControlAllowOrigins).toEqual({ items: [d.outputs.web] });
    expect(headers.corsConfig.accessControlAllowMethods).toEqual({ items: ["GET", "HEAD"] });
    expect(headers.corsConfig.accessControlAllowCredentials).toBe(false);
  });

  test("the bucket lets only this distribution read, and only media/", () => {
    const bucket = arnOf(d, "Media");
    const reads = resourcePolicies(d).bucket!.Statement.filter((s) => s.Effect === "Allow");
    expect(reads).toEqual([
      {
        Sid: "PlaybackCdnReadsMedia",
        Effect: "Allow",
        Action: "s3:GetObject",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Resource: `${bucket}/media/*`,
        Condition: { StringEquals: { "AWS:SourceArn": arnOf(d, "Cdn") } },
      },
    ]);
  });

  test("SST's own statements stay in the bucket policy: plain HTTP is refused", () => {
    const bucket = arnOf(d, "Media");
    const denies = resourcePolicies(d).bucket!.Statement.filter((s) => s.Effect === "Deny");
    expect(denies).toEqual([
      expect.objectContaining({
        Action: "s3:*",
        Resource: [bucket, `${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    ]);
  });

  test("the API links the CDN's URL and key id, and its private key, for the playback signer", () => {
    const cdn = d.builds.Api!.links.Cdn as { url: string; keyPairId: string };
    expect(cdn.url).toBe(`https://${d.outputs.cdn}`);
    expect(cdn.keyPairId).toBe(idOf("aws:cloudfront/publicKey:PublicKey", "CdnPublicKey"));
    expect(linksOf(d, "Api")).toEqual(expect.arrayContaining(["Cdn", "CdnPrivateKey"]));
    for (const name of ["Ingest", "ClipWorker"])
      expect(linksOf(d, name)).not.toContain("CdnPrivateKey");
  });

  test("a DELETE may invalidate the video's objects on this distribution, and on nothing else", () => {
    const cdn = d.builds.Api!.links.Cdn as { distributionId: string };
    const distribution = resource(d, "aws:cloudfront/distribution:Distribution", "Cdn");
    expect(cdn.distributionId).toBe(distribution.state.id);
    const invalidations = allowed(statementsOf(d, "Api")).filter((a) =>
      a.startsWith("cloudfront:"),
    );
    expect(invalidations).toEqual([`cloudfront:CreateInvalidation ${distribution.state.arn}`]);
    for (const name of ["Ingest", "ClipWorker", "ChunkWorker", "Sweep"]) {
      expect(allowed(statementsOf(d, name)).filter((a) => a.startsWith("cloudfront:"))).toEqual([]);
    }
  });
});
