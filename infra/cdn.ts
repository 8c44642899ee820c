// Playback at scale: CloudFront in front of the bucket's media/, reached only with signed URLs.
import { createPublicKey } from "node:crypto";
import { bucket, setMediaReader, webUrl } from "./storage";

/*
 * The private half of the key group's key pair. Create it once per stage:
 *   openssl genrsa 2048 > cdn.pem && npx sst secret set CdnPrivateKey < cdn.pem
 * The public half is derived from it here, so the two cannot drift apart.
 */
export const cdnPrivateKey = new sst.Secret("CdnPrivateKey");

const publicKey = new aws.cloudfront.PublicKey("CdnPublicKey", {
  comment: "rushes playback signing key",
  encodedKey: cdnPrivateKey.value.apply((pem) =>
    createPublicKey(pem).export({ type: "spki", format: "pem" }).toString(),
  ),
});

const keyGroup = new aws.cloudfront.KeyGroup("CdnKeyGroup", {
  comment: "Signs rushes playback URLs",
  items: [publicKey.id],
});

const originAccess = new aws.cloudfront.OriginAccessControl("CdnOriginAccess", {
  description: "CloudFront reads media/ from the private bucket",
  originAccessControlOriginType: "s3",
  signingBehavior: "always",
  signingProtocol: "sigv4",
});

/*
 * Segments never change once written, so edges keep them a day (a year at most). The signature
 * travels in the query string; leaving query strings, headers and cookies out of the key means
 * every viewer's request for a segment hits the same cached object.
 */
const cachePolicy = new aws.cloudfront.CachePolicy("CdnCachePolicy", {
  comment: "Immutable media; the signed query string is not part of the key",
  minTtl: 0,
  defaultTtl: 86_400,
  maxTtl: 31_536_000,
  parametersInCacheKeyAndForwardedToOrigin: {
    cookiesConfig: { cookieBehavior: "none" },
    headersConfig: { headerBehavior: "none" },
    queryStringsConfig: { queryStringBehavior: "none" },
    enableAcceptEncodingGzip: false,
    enableAcceptEncodingBrotli: false,
  },
});

// hls.js fetches segments with XHR from the web app's origin.
const cors = new aws.cloudfront.ResponseHeadersPolicy("CdnCors", {
  comment: "The web app may fetch media",
  corsConfig: {
    accessControlAllowCredentials: false,
    accessControlAllowHeaders: { items: ["*"] },
    accessControlAllowMethods: { items: ["GET", "HEAD"] },
    accessControlAllowOrigins: { items: [webUrl] },
    accessControlMaxAgeSec: 86_400,
    originOverride: true,
  },
});

const origin = "media";

export const distribution = new aws.cloudfront.Distribution("Cdn", {
  enabled: true,
  comment: "rushes media",
  priceClass: "PriceClass_100",
  httpVersion: "http2and3",
  origins: [
    {
      originId: origin,
      domainName: bucket.nodes.bucket.bucketRegionalDomainName,
      originAccessControlId: originAccess.id,
    },
  ],
  defaultCacheBehavior: {
    targetOriginId: origin,
    viewerProtocolPolicy: "https-only",
    allowedMethods: ["GET", "HEAD", "OPTIONS"],
    cachedMethods: ["GET", "HEAD"],
    cachePolicyId: cachePolicy.id,
    responseHeadersPolicyId: cors.id,
    // Every request must carry a signature from the key group: no public path into the bucket.
    trustedKeyGroups: [keyGroup.id],
    compress: false,
  },
  restrictions: { geoRestriction: { restrictionType: "none" } },
  viewerCertificate: { cloudfrontDefaultCertificate: true },
});

// The bucket lets this distribution, and nothing else, read media/ (never uploads/).
setMediaReader(distribution.arn);

/**
 * What the playback signer reads as `Resource.Cdn`: the base URL and the key's id; and the
 * distribution's id, so a DELETE can invalidate the video's cached objects.
 */
export const cdn = new sst.Linkable("Cdn", {
  properties: {
    url: $interpolate`https://${distribution.domainName}`,
    keyPairId: publicKey.id,
    distributionId: distribution.id,
  },
});

/** A deleted video's objects leave the edges at once, not when their day-long TTL runs out. */
export const cdnInvalidation = {
  actions: ["cloudfront:CreateInvalidation"],
  resources: [distribution.arn],
};
