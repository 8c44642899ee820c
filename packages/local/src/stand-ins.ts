import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import dynalite from "dynalite";
import { buildApp } from "fauxqs";
import S3rver, { type S3rverEvent } from "s3rver";
import S3Error from "s3rver/lib/models/error";
import { region } from "./lambda";
import { closeServer, listen } from "./net";
import { createGuard } from "./origin-guard";
import { portError } from "./preflight";
import { atomicWrites, type Store } from "./s3-atomic";
import { multipartMiddleware } from "./s3-multipart";
import { dropTornObjects } from "./s3-repair";

export interface StandInPorts {
  dynamo: number;
  s3: number;
  sqs: number;
}

export interface StandIns {
  ports: StandInPorts;
  endpoints: { dynamo: string; s3: string; sqs: string };
  onObjectEvent(listener: (event: S3rverEvent) => void): void;
  /**
   * The app's origins, once its server listens: the only ones the stand-ins answer (origin-guard.ts)
   * and the only ones the bucket's CORS rule admits. Until then, no page may reach them.
   */
  allowOrigins(origins: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

const needed = (what: string) => `it is needed for the embedded ${what}`;

export interface StandInOptions {
  dataDir: string;
  host: string;
  ports: Partial<StandInPorts>;
  bucket: string;
}

// Browsers upload straight to the bucket from the web client, and only from it.
const cors = (origins: readonly string[]) => ({
  CORSRules: [
    {
      AllowedOrigins: [...origins],
      AllowedMethods: ["GET", "HEAD", "PUT", "POST"],
      AllowedHeaders: ["*"],
      ExposeHeaders: ["ETag", "Location"],
      MaxAgeSeconds: 3000,
    },
  ],
});

/**
 * Starts the three stand-ins, each on loopback: dynalite (DynamoDB) and s3rver (S3), both
 * persisted under the data dir, and fauxqs (SQS and SNS) in memory. If one fails to start,
 * the ones already running are stopped before the error is rethrown.
 */
export async function startStandIns(options: StandInOptions): Promise<StandIns> {
  const { dataDir, host } = options;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  const url = (port: number) => `http://${host}:${port}`;
  const guard = createGuard();

  try {
    const dynamo = dynalite({
      path: join(dataDir, "dynamo"),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    guard.install(dynamo, { crossSiteReads: false });
    const dynamoPort = await listen(dynamo, options.ports.dynamo ?? 0, host, needed("DynamoDB"));
    stops.push(() => closeServer(dynamo));

    // A crash mid-write (kill -9 of npm start) leaves objects s3rver would answer with a 500.
    const torn = await dropTornObjects(join(dataDir, "s3"));
    if (torn.length)
      console.warn(`rushes: dropped ${torn.length} object(s) a crash left half-written`);
    const s3 = new S3rver({
      address: host,
      port: options.ports.s3 ?? 0,
      silent: true,
      directory: join(dataDir, "s3"),
      // No CORS rule until the app's origin is known (allowOrigins).
      configureBuckets: [{ name: options.bucket, configs: [] }],
    });
    atomicWrites((s3 as unknown as { store: Store }).store);
    // Just before s3rver's router (its last middleware), after its XML and error handling.
    s3.middleware.splice(s3.middleware.length - 1, 0, multipartMiddleware(S3Error));
    const s3Port = await s3
      .run()
      .then((address) => address.port)
      .catch((error: unknown) => {
        throw portError(options.ports.s3 ?? 0, error, needed("S3"));
      });
    // Presigned GETs reach s3rver from the app's <video> and <img> tags, which send no Origin.
    if (s3.httpServer) guard.install(s3.httpServer, { crossSiteReads: true });
    stops.push(async () => {
      s3.httpServer?.closeAllConnections();
      await s3.close();
    });

    // buildApp rather than startFauxqs: the same app, but bound to loopback only.
    const sqs = buildApp({ logger: false, defaultRegion: region });
    guard.install(sqs.server, { crossSiteReads: false });
    const sqsPort = await sqs
      .listen({ port: options.ports.sqs ?? 0, host })
      .then(() => (sqs.server.address() as AddressInfo).port)
      .catch((error: unknown) => {
        throw portError(options.ports.sqs ?? 0, error, needed("SQS/SNS"));
      });
    stops.push(async () => {
      await sqs.close();
    });

    return {
      ports: { dynamo: dynamoPort, s3: s3Port, sqs: sqsPort },
      endpoints: { dynamo: url(dynamoPort), s3: url(s3Port), sqs: url(sqsPort) },
      onObjectEvent: (listener) => s3.on("event", listener),
      async allowOrigins(origins) {
        guard.allow(origins);
        const client = new S3Client({
          endpoint: url(s3Port),
          forcePathStyle: true,
          region,
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        try {
          await client.send(
            new PutBucketCorsCommand({ Bucket: options.bucket, CORSConfiguration: cors(origins) }),
          );
        } finally {
          client.destroy();
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
