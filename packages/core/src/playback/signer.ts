import { createPrivateKey, createSign, type KeyObject } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst";
import { Aws } from "../aws";
import { ObjectKeys } from "../storage/object-keys";

/**
 * Signs the media URLs a playlist hands out, valid until the playback token expires. One port,
 * two adapters:
 * - `cloudFront` (deployed): one custom policy over `media/{videoId}/*` per token, the same
 *   query string on every URL. The distribution's cache key ignores the query string, so every
 *   viewer shares the edge's copy of each segment.
 * - `s3Presign` (locally, or a stage without the CDN): a presigned GET per object.
 */
export interface Signer {
  readonly kind: "cloudfront" | "s3";
  /**
   * A function from an object key under `media/{videoId}/` to a URL that works until then:
   * synchronous for CloudFront (string work only), a promise for S3 presigning.
   */
  forVideo(videoId: string, expiresAt: number): Promise<(key: string) => string | Promise<string>>;
}

export namespace Signer {
  let current: Signer | undefined;

  /** CloudFront when the stage links its CDN (infra/cdn.ts), presigned S3 otherwise. */
  export function get(): Signer {
    if (current) return current;
    // `in` first: reading a resource that is not linked throws.
    const linked = "Cdn" in Resource && "CdnPrivateKey" in Resource;
    current = linked
      ? cloudFront({
          url: Resource.Cdn.url,
          keyPairId: Resource.Cdn.keyPairId,
          privateKey: Resource.CdnPrivateKey.value,
        })
      : s3Presign();
    return current;
  }

  export function reset() {
    current = undefined;
  }

  export function s3Presign(bucket = () => Resource.Media.name): Signer {
    return {
      kind: "s3",
      async forVideo(_videoId, expiresAt) {
        const s3 = await Aws.s3();
        return (key) => {
          // SigV4 allows at most 7 days; tokens live hours.
          const expiresIn = Math.max(
            1,
            Math.min(expiresAt - Math.floor(Date.now() / 1000), 604800),
          );
          return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket(), Key: key }), {
            expiresIn,
          });
        };
      },
    };
  }

  /** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
  export const cloudFrontBase64 = (data: Buffer | string) =>
    Buffer.from(data).toString("base64").replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");

  /** The custom policy CloudFront checks: any object under the video's prefix, until then. */
  export function policy(url: string, videoId: string, expiresAt: number): string {
    return JSON.stringify({
      Statement: [
        {
          Resource: `${url.replace(/\/$/, "")}/${ObjectKeys.mediaPrefix(videoId)}*`,
          Condition: { DateLessThan: { "AWS:EpochTime": expiresAt } },
        },
      ],
    });
  }

  /**
   * Signed with node:crypto, RSA-SHA1 as CloudFront requires for key groups: fifteen lines, and
   * no second dependency in the API bundle for it. Signatures are cached per (video, expiry),
   * since every playlist of one token carries the same one.
   */
  export function cloudFront(config: {
    url: string;
    keyPairId: string;
    privateKey: string;
  }): Signer {
    let key: KeyObject | undefined;
    const cache = new Map<string, string>();
    const base = config.url.replace(/\/$/, "");
    return {
      kind: "cloudfront",
      async forVideo(videoId, expiresAt) {
        const id = `${videoId}.${expiresAt}`;
        let query = cache.get(id);
        if (!query) {
          key ??= createPrivateKey(config.privateKey);
          const text = policy(base, videoId, expiresAt);
          const signature = createSign("RSA-SHA1").update(text).sign(key);
          query = `Policy=${cloudFrontBase64(text)}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${config.keyPairId}`;
          if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
          cache.set(id, query);
        }
        const signed = query;
        return (objectKey) => `${base}/${objectKey}?${signed}`;
      },
    };
  }
}
