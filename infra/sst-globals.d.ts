/*
 * Offline stand-in for the globals SST declares in .sst/platform/config.d.ts. `sst install`
 * writes that file, but only after downloading Pulumi, which cannot be done here. So this declares
 * only what sst.config.ts and infra/*.ts use, copied from SST 4.17.1's own platform source
 * (src/global.d.ts, src/config.ts and src/components/**, which ship inside the sst binary) and from
 * @pulumi/aws 7.20.0, the provider that release pins. Property names, literal unions and the
 * Size/Duration string types are SST's; Pulumi's Output is reduced to `apply`, and `transform`
 * takes only the object form for the few fields used. Run by `tsc -p infra/tsconfig.json`.
 */
export {};

type Input<T> = $util.Input<T>;
type Output<T> = $util.Output<T>;

type Size = `${number} ${"MB" | "GB"}`;
type DurationMinutes = `${number} ${"second" | "seconds" | "minute" | "minutes"}`;
type DurationHours = `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours"}`;
type Duration =
  `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours" | "day" | "days"}`;
type FunctionArn = `arn:${string}` & {};

type S3Event =
  | "s3:ObjectCreated:*"
  | "s3:ObjectCreated:Put"
  | "s3:ObjectCreated:Post"
  | "s3:ObjectCreated:Copy"
  | "s3:ObjectCreated:CompleteMultipartUpload"
  | "s3:ObjectRemoved:*"
  | "s3:ObjectRemoved:Delete"
  | "s3:ObjectRemoved:DeleteMarkerCreated";

/** @pulumi/aws s3.BucketLifecycleConfiguration's rule, as far as rushes sets it. */
interface BucketLifecycleRule {
  id: string;
  status: "Enabled" | "Disabled";
  filter?: { prefix?: string };
  expiration?: { days?: number; date?: string };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

interface FunctionPermissionArgs {
  effect?: "allow" | "deny";
  actions: string[];
  resources: Input<Input<string>[]>;
  conditions?: Input<
    Input<{ test: Input<string>; variable: Input<string>; values: Input<Input<string>[]> }>[]
  >;
}

interface FunctionArgs {
  handler: Input<string>;
  runtime?: Input<"nodejs18.x" | "nodejs20.x" | "nodejs22.x" | "nodejs24.x">;
  architecture?: Input<"x86_64" | "arm64">;
  timeout?: Input<DurationMinutes>;
  memory?: Input<Size>;
  storage?: Input<Size>;
  retries?: Input<number>;
  environment?: Input<Record<string, Input<string>>>;
  permissions?: Input<FunctionPermissionArgs[]>;
  link?: Input<unknown[]>;
  url?: Input<
    | boolean
    | {
        authorization?: Input<"none" | "iam">;
        cors?: Input<
          | boolean
          | {
              allowCredentials?: Input<boolean>;
              allowHeaders?: Input<Input<string>[]>;
              allowOrigins?: Input<Input<string>[]>;
              allowMethods?: Input<
                Input<"*" | "DELETE" | "GET" | "HEAD" | "OPTIONS" | "PATCH" | "POST" | "PUT">[]
              >;
              exposeHeaders?: Input<Input<string>[]>;
              maxAge?: Input<Duration>;
            }
        >;
      }
  >;
  nodejs?: Input<{
    install?: Input<string[] | Record<string, string>>;
    splitting?: Input<boolean>;
  }>;
  copyFiles?: Input<{ from: Input<string>; to?: Input<string> }[]>;
  hook?: { postbuild(dir: string): Promise<void> };
  transform?: {
    /** The async invoke config SST creates when `retries` is set (pulumi's FunctionEventInvokeConfig). */
    eventInvokeConfig?: {
      maximumEventAgeInSeconds?: Input<number>;
      destinationConfig?: Input<{
        onFailure?: Input<{ destination: Input<string> }>;
        onSuccess?: Input<{ destination: Input<string> }>;
      }>;
    };
  };
}

declare global {
  namespace $util {
    type Input<T> = T | Promise<T> | Output<T>;
    interface Output<T> {
      apply<U>(fn: (value: T) => Input<U>): Output<U>;
    }
    type Unwrap<T> = T extends Output<infer U> ? U : T extends Promise<infer U> ? Unwrap<U> : T;
    function output<T>(value: Input<T>): Output<Unwrap<T>>;
  }

  const $app: Readonly<{
    name: string;
    stage: string;
    removal: "remove" | "retain" | "retain-all";
    protect: boolean;
  }>;
  const $dev: boolean;
  function $interpolate(literals: TemplateStringsArray, ...placeholders: unknown[]): Output<string>;
  function $jsonStringify(value: unknown): Output<string>;
  function $config(input: {
    app(input: { stage: string }): {
      name: string;
      home: "aws" | "cloudflare" | "local";
      removal?: "remove" | "retain" | "retain-all";
      protect?: boolean;
      providers?: Record<string, unknown>;
    };
    run(): Promise<Record<string, unknown> | undefined>;
  }): unknown;

  namespace sst {
    class Linkable<T extends Record<string, unknown>> {
      constructor(name: string, args: { properties: T });
      readonly name: Output<string>;
      readonly properties: T;
      /** The `SST_RESOURCE_*` variables a link would deliver, without the link's permissions. */
      static env(links: Input<unknown[]>): Output<Record<string, string>>;
    }

    class Secret {
      constructor(name: string, placeholder?: Input<string>);
      readonly name: Output<string>;
      readonly value: Output<string>;
    }

    namespace aws {
      // biome-ignore lint/suspicious/noShadowRestrictedNames: SST's own name, sst.aws.Function
      class Function {
        constructor(name: string, args: FunctionArgs);
        readonly name: Output<string>;
        readonly arn: Output<string>;
        readonly url: Output<string>;
        readonly nodes: { role: { name: Output<string> } };
      }

      class Bucket {
        constructor(
          name: string,
          args?: {
            lifecycle?: Input<
              Input<{
                id?: Input<string>;
                prefix?: Input<string>;
                enabled?: Input<boolean>;
                expiresIn?: Input<`${number} ${"day" | "days"}`>;
                expiresAt?: Input<string>;
              }>[]
            >;
            access?: Input<"public" | "cloudfront">;
            cors?: Input<
              | false
              | {
                  allowHeaders?: Input<Input<string>[]>;
                  allowOrigins?: Input<Input<string>[]>;
                  allowMethods?: Input<Input<"DELETE" | "GET" | "HEAD" | "POST" | "PUT">[]>;
                  exposeHeaders?: Input<Input<string>[]>;
                  maxAge?: Input<Duration>;
                }
            >;
            policy?: Input<
              Input<{
                effect?: Input<"allow" | "deny">;
                actions: Input<Input<string>[]>;
                principals:
                  | "*"
                  | Input<
                      Input<{
                        type: Input<"aws" | "service" | "federated" | "canonical">;
                        identifiers: Input<Input<string>[]>;
                      }>[]
                    >;
                paths?: Input<Input<string>[]>;
                conditions?: Input<
                  Input<{
                    test: Input<string>;
                    variable: Input<string>;
                    values: Input<Input<string>[]>;
                  }>[]
                >;
              }>[]
            >;
            lifecycle?: Input<
              Input<{
                id?: Input<string>;
                prefix?: Input<string>;
                enabled?: Input<boolean>;
                expiresIn?: Input<`${number} ${"day" | "days"}`>;
              }>[]
            >;
            transform?: {
              /** SST calls it with the rules it built from `lifecycle` (as s3.BucketLifecycleConfiguration). */
              lifecycle?: (args: { rules: BucketLifecycleRule[] }) => void;
              /** SST calls it with the bucket policy it built (as s3.BucketPolicy's args). */
              policy?: (args: { bucket: Input<string>; policy: Input<string> }) => void;
              publicAccessBlock?:
                | false
                | {
                    blockPublicAcls?: Input<boolean>;
                    blockPublicPolicy?: Input<boolean>;
                    ignorePublicAcls?: Input<boolean>;
                    restrictPublicBuckets?: Input<boolean>;
                  };
            };
          },
        );
        readonly name: Output<string>;
        readonly arn: Output<string>;
        readonly nodes: { bucket: { readonly bucketRegionalDomainName: Output<string> } };
        notify(args: {
          notifications: Input<
            Input<{
              name: Input<string>;
              function?: Input<string | FunctionArgs | FunctionArn>;
              events?: Input<Input<S3Event>[]>;
              filterPrefix?: Input<string>;
              filterSuffix?: Input<string>;
            }>[]
          >;
        }): unknown;
      }

      class Dynamo {
        constructor(
          name: string,
          args: {
            fields: Input<Record<string, "string" | "number" | "binary">>;
            primaryIndex: Input<{ hashKey: Input<string>; rangeKey?: Input<string> }>;
            globalIndexes?: Input<
              Record<
                string,
                Input<{
                  hashKey: Input<string | string[]>;
                  rangeKey?: Input<string | string[]>;
                  projection?: Input<"all" | "keys-only" | Input<string>[]>;
                }>
              >
            >;
            deletionProtection?: Input<boolean>;
            ttl?: Input<string>;
          },
        );
        readonly name: Output<string>;
        readonly arn: Output<string>;
      }

      class Queue {
        constructor(
          name: string,
          args?: {
            visibilityTimeout?: Input<DurationHours>;
            delay?: Input<DurationMinutes>;
            dlq?: Input<string | { queue: Input<string>; retry: Input<number> }>;
            transform?: { queue?: { messageRetentionSeconds?: Input<number> } };
          },
        );
        readonly arn: Output<string>;
        readonly url: Output<string>;
        subscribe(
          subscriber: Input<string | FunctionArgs | FunctionArn>,
          args?: {
            batch?: Input<{
              size?: Input<number>;
              window?: Input<DurationMinutes>;
              partialResponses?: Input<boolean>;
            }>;
            transform?: {
              /** @pulumi/aws lambda.EventSourceMapping's args, as far as rushes sets them. */
              eventSourceMapping?: {
                scalingConfig?: Input<{ maximumConcurrency?: Input<number> }>;
              };
            };
          },
        ): unknown;
      }

      class SnsTopic {
        constructor(name: string, args?: { fifo?: Input<boolean> });
        readonly arn: Output<string>;
        readonly name: Output<string>;
        subscribeQueue(
          name: string,
          queue: Input<string>,
          args?: {
            filter?: Input<Record<string, unknown>>;
            transform?: { subscription?: Record<string, unknown> };
          },
        ): unknown;
      }

      class StaticSite {
        constructor(
          name: string,
          args?: {
            path?: Input<string>;
            build?: Input<{ command: Input<string>; output: Input<string> }>;
            environment?: Input<Record<string, Input<string>>>;
            vite?: Input<{ types?: string }>;
            dev?:
              | false
              | { url?: Input<string>; command?: Input<string>; directory?: Input<string> };
          },
        );
        readonly url: Output<string>;
      }

      class CronV2 {
        constructor(
          name: string,
          args: {
            schedule: Input<`rate(${string})` | `cron(${string})` | `at(${string})`>;
            function?: Input<string | Function | FunctionArgs | FunctionArn>;
            enabled?: Input<boolean>;
            retries?: Input<number>;
            timezone?: Input<string>;
          },
        );
      }

      // biome-ignore lint/complexity/noStaticOnlyClass: SST's class; only its static method is used
      class Bus {
        static subscribe(
          name: string,
          busArn: Input<string>,
          subscriber: Input<string | Function | FunctionArgs | FunctionArn>,
          args?: {
            pattern?: Input<{
              source?: (string | unknown)[];
              detail?: Record<string, unknown>;
              detailType?: (string | unknown)[];
            }>;
          },
        ): Output<unknown>;
      }
    }
  }

  namespace aws {
    function getPartitionOutput(): Output<{ partition: string }> & {
      readonly partition: Output<string>;
    };
    namespace iam {
      function getPolicyDocumentOutput(args: {
        sourcePolicyDocuments?: Input<Input<string>[]>;
        statements?: Input<
          Input<{
            sid?: Input<string>;
            effect?: Input<"Allow" | "Deny">;
            actions?: Input<Input<string>[]>;
            resources?: Input<Input<string>[]>;
            principals?: Input<
              Input<{ type: Input<string>; identifiers: Input<Input<string>[]> }>[]
            >;
            conditions?: Input<
              Input<{
                test: Input<string>;
                variable: Input<string>;
                values: Input<Input<unknown>[]>;
              }>[]
            >;
          }>[]
        >;
      }): Output<{ json: string }> & { readonly json: Output<string> };
      class Role {
        constructor(name: string, args: { assumeRolePolicy: Input<string> });
        readonly arn: Output<string>;
        readonly name: Output<string>;
      }
      class RolePolicy {
        constructor(name: string, args: { role: Input<string | Role>; policy: Input<string> });
      }
    }
    /** @pulumi/aws 7 cloudfront: only the arguments infra/cdn.ts passes. */
    namespace cloudfront {
      type Items<T> = { items: Input<Input<T>[]> };
      class PublicKey {
        constructor(name: string, args: { comment?: Input<string>; encodedKey: Input<string> });
        readonly id: Output<string>;
      }
      class KeyGroup {
        constructor(name: string, args: { comment?: Input<string>; items: Input<Input<string>[]> });
        readonly id: Output<string>;
      }
      class OriginAccessControl {
        constructor(
          name: string,
          args: {
            description?: Input<string>;
            originAccessControlOriginType: Input<"s3" | "lambda" | "mediastore" | "mediapackagev2">;
            signingBehavior: Input<"always" | "never" | "no-override">;
            signingProtocol: Input<"sigv4">;
          },
        );
        readonly id: Output<string>;
      }
      class CachePolicy {
        constructor(
          name: string,
          args: {
            comment?: Input<string>;
            minTtl?: Input<number>;
            defaultTtl?: Input<number>;
            maxTtl?: Input<number>;
            parametersInCacheKeyAndForwardedToOrigin: Input<{
              cookiesConfig: Input<{
                cookieBehavior: Input<"none" | "whitelist" | "allExcept" | "all">;
              }>;
              headersConfig: Input<{ headerBehavior?: Input<"none" | "whitelist"> }>;
              queryStringsConfig: Input<{
                queryStringBehavior: Input<"none" | "whitelist" | "allExcept" | "all">;
              }>;
              enableAcceptEncodingGzip?: Input<boolean>;
              enableAcceptEncodingBrotli?: Input<boolean>;
            }>;
          },
        );
        readonly id: Output<string>;
      }
      class ResponseHeadersPolicy {
        constructor(
          name: string,
          args: {
            comment?: Input<string>;
            corsConfig?: Input<{
              accessControlAllowCredentials: Input<boolean>;
              accessControlAllowHeaders: Input<Items<string>>;
              accessControlAllowMethods: Input<Items<string>>;
              accessControlAllowOrigins: Input<Items<string>>;
              accessControlMaxAgeSec?: Input<number>;
              originOverride: Input<boolean>;
            }>;
          },
        );
        readonly id: Output<string>;
      }
      class Distribution {
        constructor(
          name: string,
          args: {
            enabled: Input<boolean>;
            comment?: Input<string>;
            priceClass?: Input<"PriceClass_All" | "PriceClass_200" | "PriceClass_100">;
            httpVersion?: Input<"http1.1" | "http2" | "http2and3" | "http3">;
            origins: Input<
              Input<{
                originId: Input<string>;
                domainName: Input<string>;
                originAccessControlId?: Input<string>;
              }>[]
            >;
            defaultCacheBehavior: Input<{
              targetOriginId: Input<string>;
              viewerProtocolPolicy: Input<"allow-all" | "https-only" | "redirect-to-https">;
              allowedMethods: Input<Input<string>[]>;
              cachedMethods: Input<Input<string>[]>;
              cachePolicyId?: Input<string>;
              responseHeadersPolicyId?: Input<string>;
              trustedKeyGroups?: Input<Input<string>[]>;
              compress?: Input<boolean>;
            }>;
            restrictions: Input<{
              geoRestriction: Input<{ restrictionType: Input<"none" | "whitelist" | "blacklist"> }>;
            }>;
            viewerCertificate: Input<{ cloudfrontDefaultCertificate?: Input<boolean> }>;
          },
        );
        readonly id: Output<string>;
        readonly arn: Output<string>;
        readonly domainName: Output<string>;
      }
    }
    namespace cloudwatch {
      function getEventBusOutput(args: { name: Input<string> }): Output<{
        arn: string;
        name: string;
      }> & { readonly arn: Output<string> };
    }
  }
}
