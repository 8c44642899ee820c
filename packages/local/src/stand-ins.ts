import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { buildApp } from "fauxqs";
import S3rver, { type S3rverEvent } from "s3rver";
import S3Error from "s3rver/lib/models/error";
import { region } from "./lambda";
import { closeServer, listen } from "./net";
import { portError } from "./preflight";
import { multipartMiddleware } from "./s3-multipart";

export interface StandInPorts {
  dynamo: number;
  s3: number;
  sqs: number;
}

export interface StandIns {
  ports: StandInPorts;
  endpoints: { dynamo: string; s3: string; sqs: string };
  onObjectEvent(listener: (event: S3rverEvent) => void): void;
  stop(): Promise<void>;
}

const needed = (what: string) => `it is needed for the embedded ${what}`;

export interface StandInOptions {
  dataDir: string;
  host: string;
  ports: Partial<StandInPorts>;
  bucket: string;
}

// Browsers upload straight to the bucket from the web client, whose origin varies locally.
const cors = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Location</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

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

  try {
    const dynamo = dynalite({
      path: join(dataDir, "dynamo"),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamoPort = await listen(dynamo, options.ports.dynamo ?? 0, host, needed("DynamoDB"));
    stops.push(() => closeServer(dynamo));

    const s3 = new S3rver({
      address: host,
      port: options.ports.s3 ?? 0,
      silent: true,
      directory: join(dataDir, "s3"),
      configureBuckets: [{ name: options.bucket, configs: [cors] }],
    });
    // Just before s3rver's router (its last middleware), after its XML and error handling.
    s3.middleware.splice(s3.middleware.length - 1, 0, multipartMiddleware(S3Error));
    const s3Port = await s3
      .run()
      .then((address) => address.port)
      .catch((error: unknown) => {
        throw portError(options.ports.s3 ?? 0, error, needed("S3"));
      });
    stops.push(async () => {
      s3.httpServer?.closeAllConnections();
      await s3.close();
    });

    // buildApp rather than startFauxqs: the same app, but bound to loopback only.
    const sqs = buildApp({ logger: false, defaultRegion: region });
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
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
