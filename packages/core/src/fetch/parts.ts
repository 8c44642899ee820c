import { Multipart } from "../storage/multipart";

/**
 * The size of part `partNumber`. With the file's size known, S3's plan for it (the configured
 * size, grown to stay within 10,000 parts). Unknown, the size doubles every 1,000 parts, so the
 * 10,000 parts still reach about 8 TiB while small files keep small parts; it depends only on
 * the part number, so a continuation cuts the same parts.
 */
export function partSize(partNumber: number, base: number, total?: number): number {
  if (total !== undefined) return Multipart.plan(total, base).partSize;
  const size = Math.max(base, Multipart.minPartBytes) * 2 ** Math.floor((partNumber - 1) / 1000);
  return Math.min(size, Multipart.maxPartBytes);
}
